{#-
    The month window of incremental runs (docs: doc block month_window).

    Account-month tables are incremental by month: a run rewrites only the
    months from month_window() on, and never the months before it. The
    window is planned once per run by int_reprocess_months_planned, from
    what changed in the inputs since the last run that completed
    (run state, below). A run that stops before it completes leaves the
    run state as it was, so the next run plans at least the same window
    again: nothing a stopped run started is ever skipped.

    Run state: two small tables beside the planner, written only by the
    on-run-end hook of a run in which every windowed model and the planner
    succeeded (save_run_state):
      cs_metrics_run_state        - one row: as_of_date, the latest event
                                    load (_loaded_at) seen, the fingerprints
                                    of the configuration and of the CRM
      cs_metrics_run_state_months - the input fingerprint of each month and
                                    scope (int_input_months_fingerprinted)
-#}

{#- Names of the run-state tables (in the planner's schema). -#}
{% macro run_state_identifiers() %}
    {{ return({
        'run': 'cs_metrics_run_state',
        'months': 'cs_metrics_run_state_months',
    }) }}
{% endmacro %}


{#- The run-state relations that exist, as a dict (values none when the
    state was never saved: a first run, or a database from before it). -#}
{% macro run_state_relations(schema) %}
    {%- set found = {'run': none, 'months': none} -%}
    {%- if execute -%}
        {%- for key, identifier in cs_metrics.run_state_identifiers().items() -%}
            {%- do found.update({key: adapter.get_relation(
                database=target.database, schema=schema, identifier=identifier
            )}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{% endmacro %}


{#-
    The first month ('YYYY-MM-DD') an incremental account-month model
    rewrites on this run, from the run's plan: every month on a full build
    or --full-refresh ('1900-01-01'). scope 'crm' is for models that carry
    today's CRM values (region, industry, channel, CSM) on every month: they
    rewrite every month when those values changed since the last completed
    run. Calling it also makes the model depend on the planner. In a unit
    test (which gives no planner input) the window is every month.
    lead_months: for a model whose month M is computed from the months
    after it (M + 1 .. M + lead_months): its window starts that many months
    earlier, so every month that reads a rewritten month is rewritten too.
-#}
{% macro month_window(scope='months', lead_months=0) %}
    {#- a unit test renders the model on its given rows only: every month -#}
    {%- if model is mapping and model.get('resource_type') == 'unit_test' -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set planner = ref('int_reprocess_months_planned') -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {#- compiling alone (dbt compile, SQLFluff) before the planner was built -#}
    {%- if adapter.get_relation(
        database=planner.database, schema=planner.schema,
        identifier=planner.identifier
    ) is none -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set column = 'crm_reprocess_from' if scope == 'crm' else 'reprocess_from' -%}
    {%- set value = run_query(
        'select ' ~ column ~ ' from ' ~ planner
    ).columns[0].values()[0] -%}
    {%- set start = (value | string)[:10] -%}
    {%- if lead_months | int > 0 and start > '1900-01-01' -%}
        {%- set start = cs_metrics.month_shifted(start, -(lead_months | int)) -%}
    {%- endif -%}
    {{ return(start) }}
{% endmacro %}


{#- `month_start >= <window start>` for the model's own rows, as SQL. -#}
{% macro in_month_window(column, window_start) -%}
    {{ column }} >= cast('{{ window_start }}' as date)
{%- endmacro %}


{#-
    An order-independent fingerprint of a row's columns (a list of SQL
    expressions), as a big integer: summed per month by
    int_input_months_fingerprinted, so any added, removed or changed row
    changes its month's sum. Engine-specific hash functions (each
    warehouse compares only with its own saved state).
-#}
{% macro summable_fingerprint(columns) %}
    {{ return(adapter.dispatch('summable_fingerprint', 'cs_metrics')(columns)) }}
{% endmacro %}

{% macro default__summable_fingerprint(columns) -%}
    cast(hash({{ columns | join(', ') }}) as decimal(38, 0))
{%- endmacro %}

{% macro postgres__summable_fingerprint(columns) -%}
    cast(hashtextextended(concat_ws(
        '|'
        {%- for column in columns %},
        coalesce(cast({{ column }} as text), chr(1))
        {%- endfor %}
    ), 0) as decimal(38, 0))
{%- endmacro %}

{% macro spark__summable_fingerprint(columns) -%}
    cast(xxhash64({{ columns | join(', ') }}) as decimal(38, 0))
{%- endmacro %}


{#-
    The fingerprint of the configuration: every model's and seed's code
    (dbt's checksums) and the value of every var of the project but
    as_of_date (var_forms, macros/vars.sql: the typed value, wherever it
    was set - dbt_project.yml or --vars). A change makes the next run
    rewrite every month.
-#}
{% macro configuration_fingerprint() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type in ('model', 'seed') -%}
            {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in cs_metrics.var_forms().keys() | sort
        if name != 'as_of_date' -%}
        {%- do parts.append('var ' ~ name ~ '=' ~ tojson(cs_metrics.setting(name))) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
{% endmacro %}


{#-
    on-run-end: save the run state when every windowed model (tag
    month_window) and the planner succeeded in this run, so the next run
    plans its window from here. Otherwise the state stays as it was and the
    next run plans at least this run's window again (a run stopped by a
    failure, a kill or a partial --select).
-#}
{% macro save_run_state(results) %}
    {%- if not execute or flags.WHICH not in ('run', 'build') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set needed = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == 'cs_metrics'
            and node.config.enabled
            and ('month_window' in node.tags
                 or node.name == 'int_reprocess_months_planned') -%}
            {%- do needed.append(node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set succeeded = [] -%}
    {%- for result in results -%}
        {%- if result.node.unique_id in needed and result.status == 'success' -%}
            {%- do succeeded.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set missing = needed | reject('in', succeeded) | list -%}
    {%- if missing -%}
        {%- do log(
            'Run state not saved: ' ~ missing | length ~ ' month-window model(s)'
            ~ ' did not run in full (e.g. ' ~ missing[0].split('.')[-1]
            ~ '); the next run rewrites at least the same months.',
            info=true
        ) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relations = {} -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.name in (
            'int_reprocess_months_planned', 'int_input_months_fingerprinted'
        ) -%}
            {%- do relations.update({node.name: api.Relation.create(
                database=node.database, schema=node.schema,
                identifier=node.alias
            )}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set planner = relations.int_reprocess_months_planned -%}
    {%- set names = cs_metrics.run_state_identifiers() -%}
    {%- set run_state = api.Relation.create(
        database=planner.database, schema=planner.schema, identifier=names.run,
        type='table'
    ) -%}
    {%- set months_state = api.Relation.create(
        database=planner.database, schema=planner.schema,
        identifier=names.months, type='table'
    ) -%}
    {%- for saved in cs_metrics.run_state_relations(planner.schema).values() -%}
        {%- if saved is not none -%}
            {%- do adapter.drop_relation(saved) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query(
        'create table ' ~ run_state ~ ' as select as_of_date,'
        ~ ' events_loaded_at, configuration_fingerprint, crm_fingerprint'
        ~ ' from ' ~ planner
    ) -%}
    {%- do run_query(
        'create table ' ~ months_state ~ ' as select * from '
        ~ relations.int_input_months_fingerprinted
    ) -%}
    {%- if target.type == 'postgres' -%}
        {%- do run_query('commit') -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#-
    post_hook of int_reprocess_months_planned: one line in the run's log
    saying which months this run rewrites, and why.
-#}
{% macro log_month_window(planner) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set row = run_query('select * from ' ~ planner).rows[0] -%}
    {%- set reasons = [] -%}
    {%- if not row['has_saved_state'] -%}
        {%- do reasons.append('no completed run saved its state yet') -%}
    {%- elif row['is_configuration_changed'] -%}
        {%- do reasons.append('the code, seeds or vars changed') -%}
    {%- else -%}
        {%- for column, label in [
            ('window_floor_month', 'the window (var reprocess_window_months)'),
            ('previous_as_of_month', 'the last completed run was as of that month'),
            ('first_changed_month', 'inputs changed from that month'),
            ('first_late_event_month', 'events loaded since the last run happened then'),
            ('lookback_month', 'the event look-back (var events_lookback_days)'),
        ] -%}
            {%- if row[column] is not none
                and (row[column] | string)[:10] == (row['reprocess_from'] | string)[:10] -%}
                {%- do reasons.append(label) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do log(
        'Month window: this run rewrites account-month tables '
        ~ (
            'for every month' if (row['reprocess_from'] | string)[:4] == '1900'
            else 'from ' ~ (row['reprocess_from'] | string)[:7]
        ) ~ ' (' ~ reasons | join('; ')
        ~ ')' ~ (
            '; today\'s CRM values changed: models showing them rewrite every month'
            if row['is_crm_changed'] else ''
        ) ~ '.',
        info=true
    ) -%}
    {{ return('') }}
{% endmacro %}


{#-
    The config of an account-month table incremental by month (scope
    'months', or 'crm' for models showing today's CRM values on every
    month): delete the months of the window, then insert them
    (incremental_strategy replace_months, below) on DuckDB and PostgreSQL;
    insert_overwrite of the month partitions on Spark. Tagged month_window:
    the run state is saved only when every such model succeeded.
    on_schema_change append_new_columns: a column a new version adds is
    added (every month is then rewritten: the code changed); the contract,
    not the stored table, decides the types (PostgreSQL stores a contract's
    varchar where the model's new rows are text).
    lead_months: see month_window() (the months a month's row reads after
    it); the rewrite starts that many months before the window.
    Usage: {{ config(**cs_metrics.month_window_config()) }}
-#}
{% macro month_window_config(scope='months', lead_months=0) %}
    {%- set spark = target.type == 'spark' -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite' if spark else 'replace_months',
        'partition_by': ['month_start'] if spark else none,
        'on_schema_change': 'append_new_columns',
        'tags': ['month_window'] + (['month_window_crm'] if scope == 'crm' else []),
        'meta': {'month_window_scope': scope, 'month_window_lead_months': lead_months},
    }) }}
{% endmacro %}


{#-
    Incremental strategy replace_months (DuckDB, PostgreSQL): delete every
    stored row from the model's month window on, then insert the new rows.
    Unlike delete+insert on a unique_key, a month of the window that has no
    new row is emptied too. Months before the window are never touched.
-#}
{% macro get_incremental_replace_months_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')
    ) -%}
    {%- set meta = config.get('meta') or {} -%}
    {%- set window_start = cs_metrics.month_window(
        meta.get('month_window_scope', 'months'),
        meta.get('month_window_lead_months', 0),
    ) -%}
    delete from {{ target }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{% endmacro %}


{#- A month ('YYYY-MM-DD', a first day) moved by n months, as the text
    'YYYY-MM-01'. -#}
{% macro month_shifted(month, n) %}
    {%- set index = (month[:4] | int) * 12 + (month[5:7] | int) - 1 + n -%}
    {{ return('%04d-%02d-01' | format(index // 12, index % 12 + 1)) }}
{% endmacro %}


{#- A month ('YYYY-MM-DD', a first day) moved by n months, as a SQL date
    literal: the months before a window that a windowed model reads. -#}
{% macro month_literal(month, n=0) -%}
    cast('{{ cs_metrics.month_shifted(month, n) }}' as date)
{%- endmacro %}


{#-
    Run by check_before_run (on-run-start), before any model is rebuilt:
    refuse a run whose as-of month is before the last one the month-window
    tables were written for (the saved run state, or the backbone's latest
    month when a run stopped after writing it): those tables would keep
    months after the as-of month. A --full-refresh rebuilds everything and
    is allowed.
-#}
{% macro refuse_as_of_moved_back() %}
    {%- if not execute or flags.FULL_REFRESH
        or flags.WHICH not in ('run', 'build') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set latest = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.name in (
            'int_reprocess_months_planned', 'int_account_months_spined'
        ) -%}
            {%- set schema = node.schema -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.alias
            ) -%}
            {%- if relation is not none and node.name == 'int_account_months_spined' -%}
                {%- do latest.append(run_query(
                    'select max(month_start) from ' ~ relation
                ).columns[0].values()[0]) -%}
            {%- endif -%}
            {%- if node.name == 'int_reprocess_months_planned' -%}
                {%- set saved = cs_metrics.run_state_relations(schema).run -%}
                {%- if saved is not none -%}
                    {%- do latest.append(run_query(
                        'select max(as_of_date) from ' ~ saved
                    ).columns[0].values()[0]) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set as_of_month = cs_metrics.as_of_date_string()[:8] ~ '01' -%}
    {%- for value in latest if value is not none -%}
        {%- if (value | string)[:8] ~ '01' > as_of_month -%}
            {{ exceptions.raise_compiler_error(
                'as_of_date ' ~ cs_metrics.as_of_date_string() ~ ' is before the month '
                ~ (value | string)[:7] ~ ' this database was built for: build'
                ~ ' with that as_of_date or later, or rebuild everything with'
                ~ ' `dbt build --full-refresh`.'
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
