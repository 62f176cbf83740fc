{#-
    Connector presets: which input each domain reads (docs/presets/README.md).

    input_presets() is the one list of input domains and the presets built
    for them. A domain is chosen by its var (billing_source, crm_source,
    support_source, events_source); `contract` reads the raw contract
    tables (models/staging/<source>/_<source>__sources.yml), any other value
    names a connector preset: the sources in
    models/connectors/<preset>/_<preset>__sources.yml and one model per
    contract table it replaces, `<preset>__<source>_<table>` (for example
    stripe__billing_subscription_items), with exactly the contract table's
    columns and types. The staging models read their input through
    raw_input(), so nothing downstream changes.

    Each domain is chosen by the var <domain>_source and has:
      source         the contract source whose tables a preset replaces;
      presets        the presets built (selectable values besides contract);
      planned        presets not built yet (named in the error message);
      contract_only  tables of the source a preset does not replace (they
                     keep being read from the raw contract).
    cs-metrics (src/cs_metrics/presets.py) reads this macro too, so a
    preset is added here once.
-#}
{% macro input_presets() %}
    {{ return({
        'billing': {
            'source': 'billing',
            'presets': ['stripe'],
            'planned': [],
            'contract_only': [],
        },
        'crm': {
            'source': 'crm',
            'presets': ['salesforce', 'hubspot'],
            'planned': [],
            'contract_only': ['nps_responses'],
        },
        'support': {
            'source': 'support',
            'presets': ['zendesk'],
            'planned': [],
            'contract_only': [],
        },
        'events': {
            'source': 'product',
            'presets': ['segment'],
            'planned': [],
            'contract_only': [],
        },
    }) }}
{% endmacro %}


{#-
    The input a domain reads: its var's value, lower-cased ('contract' or a
    preset). The allowed values are checked with every var (var_forms,
    macros/vars.sql: kind `input`), in one line naming the var, the value
    and the values allowed.
-#}
{% macro input_preset(domain) %}
    {{ return(cs_metrics.setting(domain ~ '_source')) }}
{% endmacro %}


{#- The domain whose presets replace tables of a contract source (none if no domain does). -#}
{% macro input_domain_of_source(source_name) %}
    {%- for domain, spec in cs_metrics.input_presets().items()
        if spec['source'] == source_name -%}
        {{ return(domain) }}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}


{#-
    The preset a contract table is read from: 'contract' when its domain
    reads the raw contract (or the table is contract-only, like
    crm.nps_responses), else the preset's name.
-#}
{% macro input_preset_of_table(source_name, table_name) %}
    {%- set domain = cs_metrics.input_domain_of_source(source_name) -%}
    {%- if domain is none
        or table_name in cs_metrics.input_presets()[domain]['contract_only'] -%}
        {{ return('contract') }}
    {%- endif -%}
    {{ return(cs_metrics.input_preset(domain)) }}
{% endmacro %}


{#-
    The materialization of the staging model of a contract table: a view
    over the raw contract (filters reach the raw files); a table when a
    connector preset produces it, so the preset's joins and history rules
    run once per run instead of inside every model that reads the staging
    model (the month spine, the input fingerprints, the CS touches, the
    data-quality listing); a table on PostgreSQL always (its planner cannot
    estimate a view's contract-violation filters). stg_product__events
    stays a view everywhere: the incremental de-duplication filters it by
    day. Usage, in the staging model:
        {{ config(materialized=cs_metrics.staging_materialization('crm', 'activities')) }}
-#}
{% macro staging_materialization(source_name, table_name) %}
    {%- if target.type == 'postgres'
        or cs_metrics.input_preset_of_table(source_name, table_name) != 'contract' -%}
        {{ return('table') }}
    {%- endif -%}
    {{ return('view') }}
{% endmacro %}


{#-
    The relation a staging model reads for a contract table: the raw
    contract source, or the selected preset's model producing that table
    (`<preset>__<source>_<table>`, with exactly the contract table's
    columns and types).
-#}
{% macro raw_input(source_name, table_name) %}
    {%- set preset = cs_metrics.input_preset_of_table(source_name, table_name) -%}
    {%- if preset == 'contract' -%}
        {{ return(source(source_name, table_name)) }}
    {%- endif -%}
    {{ return(ref(preset ~ '__' ~ source_name ~ '_' ~ table_name)) }}
{% endmacro %}


{#-
    The connector presets selected by the domain vars, in domain order.
    Every preset has a model <preset>__data_quality_issues listing the
    connector rows it leaves out; int_data_quality_issues_unioned reads
    those of the selected presets.
-#}
{% macro selected_presets() %}
    {%- set selected = [] -%}
    {%- for domain in cs_metrics.input_presets() -%}
        {%- set preset = cs_metrics.input_preset(domain) -%}
        {%- if preset != 'contract' -%}
            {%- do selected.append(preset) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(selected) }}
{% endmacro %}


{#-
    Whether a connector preset is selected by a domain var: the `enabled`
    config of each of its models,
        {{ config(enabled=cs_metrics.preset_selected('stripe')) }}
    set in the model itself, not in dbt_project.yml: dbt renders a
    package's dbt_project.yml without any vars (neither the host project's
    nor --vars), so a var there would never select the preset when
    cs_metrics is installed as a package (docs/package.md).
-#}
{% macro preset_selected(preset) %}
    {{ return(preset in cs_metrics.selected_presets()) }}
{% endmacro %}
