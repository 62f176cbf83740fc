{#-
    post_hook of the staging models of keyed raw tables: fails the run when
    a key the raw contract says identifies one row (plan_id, customer_id,
    currency + rate_date, ...) appears on several rows, naming the table,
    the key column(s), the first repeated values and what to do. Every
    later join would count such a row twice (a plan listed twice doubles
    the MRR of every item on it), so the build stops instead. A unique test
    could only say "n rows failed", and only in `dbt build`; this also
    guards `dbt run`. Rows with a null key are left to the not_null tests.
    Runs only while executing (not while parsing or compiling).
-#}
{% macro raise_on_duplicate_keys(relation, key_columns, source_table, raw_key_names=none, max_listed=5) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set names = raw_key_names or key_columns -%}
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
        {{ return('') }}
    {%- endif -%}
    {%- set key_words = names | join(' + ') -%}
    {%- set lines = [] -%}
    {%- for row in rows -%}
        {%- set parts = [] -%}
        {%- for name in names -%}
            {%- do parts.append(name ~ ' = ' ~ row[loop.index0]) -%}
        {%- endfor -%}
        {%- do lines.append(
            '  ' ~ parts | join(', ') ~ ': ' ~ row[names | length] ~ ' rows'
        ) -%}
    {%- endfor -%}
    {%- set total = rows[0][names | length + 1] -%}
    {%- set message -%}
Duplicate key in {{ source_table }}: {{ total }} value(s) of {{ key_words }} appear on more than one row
{{ lines | join('\n') }}{% if total > rows | length %}
  ... and {{ total - rows | length }} more{% endif %}
The raw contract says {{ key_words }} identifies one row of {{ source_table }};
every later join would count a repeated row twice (its money or activity
doubled), so the build stops. Remove the duplicate rows from the export (or
fix the loader's de-duplication), then re-run; `cs-metrics validate DIR`
lists every repeated key.
    {%- endset -%}
    {{ exceptions.raise_compiler_error(message) }}
{% endmacro %}
