{#-
    Duplicate keys of the raw tables. A key the raw contract says identifies
    one row (plan_id, customer_id, currency + rate_date, ...) that appears
    on several rows would be counted twice by every later join (a plan
    listed twice doubles the MRR of every item on it), so the run stops,
    naming the table, the key column(s), the first repeated values and what
    to do. A unique test could only say "n rows failed", and only in
    `dbt build`; this also guards `dbt run`.

    The key of each table is the staging model's `meta: unique_key` (the
    staged column names; `raw_key`: the raw names the message uses when
    they differ), checked on the staged values (after staging's
    normalisation: upper-cased currency codes, UTC dates):
      - a staging model that reads the raw contract tables is checked by
        on-run-start (check_before_run), on its own SQL rendered in the
        hook, before any model is rebuilt: a refused run changes nothing;
      - a staging model that reads a connector preset's model (its input is
        built by the same run) is checked by its post_hook
        (raise_on_duplicate_keys_of_preset_input) as soon as it is built;
        nothing downstream of it runs.
    Rows with a null key are left to the not_null tests.
-#}

{#- {'columns', 'raw_names', 'table'} of a keyed staging model node, or none. -#}
{% macro staged_key(node) %}
    {%- set meta = node.config.meta if node.config and node.config.meta else node.meta -%}
    {%- if not meta or not meta.get('unique_key') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set parts = node.name[4:].split('__') -%}
    {{ return({
        'columns': meta['unique_key'],
        'raw_names': meta.get('raw_key') or meta['unique_key'],
        'table': parts[0] ~ '.' ~ parts[1],
    }) }}
{% endmacro %}


{#- True when a model reads another model (a connector preset), not only sources. -#}
{% macro reads_a_model(node) %}
    {%- for parent in node.depends_on.nodes if parent.startswith('model.') -%}
        {{ return(true) }}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}


{#-
    The message lines about one key of one relation (a table, a view or a
    parenthesised query with an alias): [] when no key value repeats.
-#}
{% macro duplicate_key_lines(relation, key, max_listed=5) %}
    {%- set key_columns = key['columns'] -%}
    {%- set query -%}
        with

        repeated as (
            select
                {{ key_columns | join(', ') }},
                count(*) as row_count
            from {{ relation }}
            where
                {% for column in key_columns -%}
                {{ column }} is not null
                {%- if not loop.last %} and {% endif %}
                {% endfor %}
            group by {{ key_columns | join(', ') }}
            having count(*) > 1
        )

        select
            {%- for column in key_columns %}
            cast({{ column }} as {{ dbt.type_string() }}) as key_{{ loop.index }},
            {%- endfor %}
            row_count,
            count(*) over () as repeated_keys
        from repeated
        order by
            {%- for column in key_columns %}
            key_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        limit {{ max_listed }}
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set names = key['raw_names'] -%}
    {%- set total = rows[0][names | length + 1] -%}
    {%- set lines = [
        'Duplicate key in ' ~ key['table'] ~ ': ' ~ total ~ ' value(s) of '
        ~ names | join(' + ') ~ ' appear on more than one row'
    ] -%}
    {%- for row in rows -%}
        {%- set parts = [] -%}
        {%- for name in names -%}
            {%- do parts.append(name ~ ' = ' ~ row[loop.index0]) -%}
        {%- endfor -%}
        {%- do lines.append(
            '  ' ~ parts | join(', ') ~ ': ' ~ row[names | length] ~ ' rows'
        ) -%}
    {%- endfor -%}
    {%- if total > rows | length -%}
        {%- do lines.append('  ... and ' ~ (total - rows | length) ~ ' more') -%}
    {%- endif -%}
    {{ return(lines) }}
{% endmacro %}


{#- Fails with the duplicate-key message when there are lines to report. -#}
{% macro raise_duplicate_keys(lines) %}
    {%- if lines | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set message -%}
{{ lines | join('\n') }}
The raw contract says each such key identifies one row of its table; every
later join would count a repeated row twice (its money or activity doubled),
so the run stops. Remove the duplicate rows from the export (or fix the
loader's de-duplication), then re-run; `cs-metrics validate DIR` lists every
repeated key.
    {%- endset -%}
    {{ exceptions.raise_compiler_error(message) }}
{% endmacro %}


{#-
    on-run-start (check_before_run): the duplicate-key lines of every keyed
    staging model this run builds or reads (a selected model or an ancestor
    of one) whose input is the raw contract, on its own SQL rendered here.
-#}
{% macro duplicate_key_problems_before_run() %}
    {%- set wanted = [] -%}
    {%- for unique_id in selected_resources if unique_id.startswith('model.') -%}
        {%- do wanted.append(unique_id) -%}
    {%- endfor -%}
    {#- every ancestor: the list grows while it is walked -#}
    {%- for unique_id in wanted -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- for parent in (node.depends_on.nodes if node else [])
            if parent.startswith('model.') and parent not in wanted -%}
            {%- do wanted.append(parent) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set lines = [] -%}
    {%- for unique_id in wanted | sort -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- set key = cs_metrics.staged_key(node) -%}
        {%- if key is not none and not cs_metrics.reads_a_model(node) -%}
            {%- do lines.extend(cs_metrics.duplicate_key_lines(
                '(' ~ render(node.raw_code) ~ ') as staged', key
            )) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(lines) }}
{% endmacro %}


{#-
    post_hook of every staging model (dbt_project.yml): the key check of a
    keyed staging model whose input is a connector preset's model (built by
    this run, so on-run-start cannot read it); nothing for the others.
-#}
{% macro raise_on_duplicate_keys_of_preset_input() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set key = cs_metrics.staged_key(model) -%}
    {%- if key is none or not cs_metrics.reads_a_model(model) -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(cs_metrics.raise_duplicate_keys(
        cs_metrics.duplicate_key_lines(this, key)
    )) }}
{% endmacro %}
