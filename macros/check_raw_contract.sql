{#-
    Check of the raw input contract, run by on-run-start (check_before_run): every source table exists
    (the enabled sources: the contract tables a domain reads, and the
    connector tables of the selected presets - macros/presets.sql),
    has every documented required column (columns whose meta says
    `required: false` may be absent) and each documented column present has
    a type of its contract family (sources YAML data_type: text, integer,
    decimal = number, boolean, timestamp, date). Fails with one message
    listing every problem, naming table and column, before any model runs:
    a wrong type would otherwise be cast silently (2.5 seats as 3) or fail
    mid-build with an engine error that names no table.
    Reads metadata only. Skipped when var check_raw_contract is false, while
    parsing, and when a host project that installed cs_metrics as a package
    runs none of its nodes (macros/package.sql).
-#}
{% macro check_raw_contract() %}
    {%- if not execute or not cs_metrics.setting('check_raw_contract')
        or not cs_metrics.package_nodes_selected() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = adapter.dispatch(
        'raw_contract_problems', 'cs_metrics'
    )(cs_metrics.raw_contract_tables()) -%}
    {%- if problems | length > 0 -%}
        {%- set type_problems = [] -%}
        {%- for problem in problems if ' has type ' in problem -%}
            {%- do type_problems.append(problem) -%}
        {%- endfor -%}
        {%- set message -%}
The raw data does not follow the raw input contract (checked before running):
{% for problem in problems %}  - {{ problem }}
{% endfor -%}
{% if type_problems | length > 0 -%}
A column of another type would be cast silently (2.5 seats would count as 3)
or stop the build with an engine error naming no table: convert it in the
export or the loader (`cs-metrics validate DIR` checks every column's type).
{% endif -%}
Each source table and column is described in
models/staging/<source>/_<source>__sources.yml (a connector preset's:
models/connectors/<connector>/_<connector>__sources.yml). Fix the raw data
or the location vars, or skip this check with --vars '{check_raw_contract: false}'.
        {%- endset -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- The project's source tables: label, relation, required columns and the
    contract type (sources YAML data_type) of every documented column. -#}
{% macro raw_contract_tables() %}
    {%- set tables = [] -%}
    {%- set nodes = graph.sources.values() | sort(attribute='unique_id') -%}
    {%- for node in nodes if node.package_name == cs_metrics.package_name() -%}
        {%- set required = [] -%}
        {%- set types = {} -%}
        {%- for column in node.columns.values() -%}
            {%- set meta = column.config.meta
                if column.config and column.config.meta
                else column.meta -%}
            {%- if meta.get('required', true) not in [false, 'false'] -%}
                {%- do required.append(column.name | lower) -%}
            {%- endif -%}
            {%- if column.data_type -%}
                {%- do types.update({column.name | lower: column.data_type}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do tables.append({
            'label': node.source_name ~ '.' ~ node.name,
            'source_name': node.source_name,
            'relation': source(node.source_name, node.name),
            'required': required,
            'types': types,
            'key': (node.columns.values() | list | first).name | lower
                if node.columns else none,
        }) -%}
    {%- endfor -%}
    {{ return(tables) }}
{% endmacro %}


{#- Problems with one existing table's columns (missing required columns,
    columns of another type family), as a list of messages. -#}
{% macro raw_contract_column_problems(table, where) %}
    {%- set present = cs_metrics.raw_column_types(table.relation) -%}
    {%- set problems = [] -%}
    {%- set missing = [] -%}
    {%- for column in table.required if column not in present -%}
        {%- do missing.append(column) -%}
    {%- endfor -%}
    {%- if missing | length > 0 -%}
        {%- do problems.append(
            'Raw table ' ~ table.label ~ ' is missing required column(s): '
            ~ missing | join(', ') ~ '. Expected at ' ~ where
            ~ '; add the column(s) to the export (extra columns are ignored).'
        ) -%}
    {%- endif -%}
    {%- for column, contract_type in table.types | dictsort
        if column in present -%}
        {%- set expected = cs_metrics.raw_type_family(contract_type) -%}
        {%- set found = cs_metrics.raw_type_family(present[column]) -%}
        {%- set accepted = [expected]
            + cs_metrics.raw_lossless_families().get(expected, []) -%}
        {%- if expected == 'integer' and found == 'number' -%}
            {%- do problems.extend(cs_metrics.raw_fraction_problems(
                table, column, present[column]
            )) -%}
        {%- elif expected is not none and found not in accepted -%}
            {#- DuckDB describes an untyped column as "NULL", quoted -#}
            {%- set shown = present[column] | replace('"', '') -%}
            {%- set hint = ' (a column written without a type, e.g. only'
                ~ ' nulls)' if (shown | upper) == 'NULL' else '' -%}
            {%- do problems.append(
                'Raw table ' ~ table.label ~ ': column ' ~ column
                ~ ' has type ' ~ shown ~ hint
                ~ ', but the contract type is ' ~ contract_type ~ ' (accepted: '
                ~ cs_metrics.raw_type_family_accepts(expected) ~ ').'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}


{#-
    The other type families a contract family accepts because they convert
    without loss (the same rules as cs-metrics validate,
    src/cs_metrics/validate/contract.py LOSSLESS):
      number  <- integer    an integer is an exact decimal;
      integer <- number     a float or decimal holding whole numbers (each
                            value is checked: raw_fraction_problems);
      date    <- timestamp  a timestamp at any time of day is its UTC date
                            (staging reads it with utc_date);
      json    <- text       JSON delivered as text.
    Codes (currencies, countries, enumerations) may come in any case:
    staging upper- or lower-cases them.
-#}
{% macro raw_lossless_families() %}
    {{ return({
        'number': ['integer'],
        'integer': ['number'],
        'date': ['timestamp'],
        'json': ['text'],
    }) }}
{% endmacro %}


{#-
    An integer column stored as a float or decimal: one message when some
    values are not whole numbers (they would be cut), naming the table, the
    column, how many values and the first three rows (by the table's first
    column); none when every value is whole.
-#}
{% macro raw_fraction_problems(table, column, found_type) %}
    {%- set query -%}
        select
            cast({{ table.key or 'null' }} as {{ dbt.type_string() }}) as row_key,
            cast({{ column }} as {{ dbt.type_string() }}) as row_value,
            count(*) over () as fraction_count
        from {{ table.relation }}
        where {{ column }} <> floor({{ column }})
        limit 3
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set examples = [] -%}
    {%- for row in rows -%}
        {%- do examples.append(
            (table.key or 'row') ~ ' = ' ~ row[0] ~ ': ' ~ column ~ ' = ' ~ row[1]
        ) -%}
    {%- endfor -%}
    {{ return([
        'Raw table ' ~ table.label ~ ': column ' ~ column ~ ' has type '
        ~ found_type ~ ' holding ' ~ rows[0][2] ~ ' value(s) that are not whole'
        ~ ' numbers (' ~ examples | join('; ') ~ '), but the contract type is'
        ~ ' integer: a float or decimal holding whole numbers is accepted, a'
        ~ ' fraction would be cut (2.5 seats would count as 3). Fix the values'
        ~ ' in the export.'
    ]) }}
{% endmacro %}


{#-
    The contract type family of a type name: a sources YAML data_type
    (text, integer, decimal(18,4), boolean, timestamp, date) or an engine's
    type name (DuckDB, PostgreSQL, Spark spellings); none when unknown.
    The same families as cs-metrics validate (src/cs_metrics/validate).
-#}
{% macro raw_type_family(type_name) %}
    {%- set base = (type_name | string | lower).split('(')[0] | trim -%}
    {%- if base.startswith('timestamp') or base == 'datetime' -%}
        {{ return('timestamp') }}
    {%- elif base == 'date' -%}
        {{ return('date') }}
    {%- elif base in ['boolean', 'bool'] -%}
        {{ return('boolean') }}
    {%- elif base in [
        'tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint',
        'utinyint', 'usmallint', 'uinteger', 'ubigint', 'uhugeint',
        'int1', 'int2', 'int4', 'int8', 'byte', 'short', 'long',
    ] -%}
        {{ return('integer') }}
    {%- elif base in [
        'decimal', 'numeric', 'double', 'double precision', 'float',
        'float4', 'float8', 'real',
    ] -%}
        {{ return('number') }}
    {%- elif base in [
        'text', 'varchar', 'string', 'char', 'character',
        'character varying', 'bpchar', 'nvarchar',
    ] -%}
        {{ return('text') }}
    {%- elif base in ['json', 'jsonb', 'variant'] -%}
        {{ return('json') }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- The types a family accepts, in words, for the messages. -#}
{% macro raw_type_family_accepts(family) %}
    {{ return({
        'text': 'text / varchar / string',
        'integer': 'an integer type, e.g. bigint, or a float or decimal holding whole numbers',
        'number': 'a decimal, a float or an integer type',
        'boolean': 'boolean',
        'timestamp': 'timestamp without time zone (UTC) or with time zone',
        'date': 'date, or a timestamp (its UTC date)',
        'json': 'JSON, or text holding JSON',
    }[family]) }}
{% endmacro %}


{% macro default__raw_contract_problems(tables) %}
    {%- set problems = [] -%}
    {%- for table in tables -%}
        {%- set relation = table.relation -%}
        {%- set where = relation ~ ' (vars ' ~ table.source_name
            ~ '_schema / ' ~ table.source_name ~ '_database)' -%}
        {%- if not cs_metrics.default__raw_relation_exists(relation) -%}
            {%- do problems.append(
                'Raw table ' ~ table.label ~ ' not found: expected table '
                ~ where ~ '.'
            ) -%}
        {%- else -%}
            {%- do problems.extend(
                cs_metrics.raw_contract_column_problems(table, where)
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}


{#-
    DuckDB: sources read Parquet (or CSV) files. One glob query finds every
    file, then one metadata-only query per table lists its columns.
-#}
{% macro duckdb__raw_contract_problems(tables) %}
    {%- set file_tables = [] -%}
    {%- set other_tables = [] -%}
    {%- for table in tables -%}
        {%- set location = cs_metrics.raw_source_location(table.relation) -%}
        {%- if location is none -%}
            {%- do other_tables.append(table) -%}
        {%- else -%}
            {%- do file_tables.append({'table': table, 'location': location}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set problems = cs_metrics.default__raw_contract_problems(other_tables) -%}
    {%- if file_tables | length == 0 -%}
        {{ return(problems) }}
    {%- endif -%}

    {%- set queries = [] -%}
    {%- for item in file_tables -%}
        {%- do queries.append(
            'select ' ~ loop.index0 ~ ' as table_index, count(*) as file_count'
            ~ ' from glob(' ~ cs_metrics.sql_string(item.location) ~ ')'
        ) -%}
    {%- endfor -%}
    {%- set result = run_query(queries | join(' union all ')) -%}
    {%- set file_counts = {} -%}
    {%- for row in result.rows -%}
        {%- do file_counts.update({row[0] | int: row[1] | int}) -%}
    {%- endfor -%}

    {%- if file_counts.values() | select('gt', 0) | list | length == 0 -%}
        {#- nothing at all: one message about the directory, not fifteen -#}
        {%- do problems.append(
            'No raw table found at all (e.g. ' ~ file_tables[0].table.label
            ~ ': expected file ' ~ file_tables[0].location
            ~ "). Set var raw_data_dir to the directory holding"
            ~ " <source>/<table>.parquet or <source>/<table>.csv (now '"
            ~ cs_metrics.setting('raw_data_dir') ~ "'; relative to where dbt runs), or"
            ~ ' generate demo data with `cs-metrics generate`.'
        ) -%}
        {{ return(problems) }}
    {%- endif -%}

    {%- for item in file_tables -%}
        {%- if file_counts.get(loop.index0, 0) == 0 -%}
            {%- do problems.append(
                'Raw table ' ~ item.table.label ~ ' not found: expected file '
                ~ item.location ~ ' or the .csv file beside it (set var'
                ~ ' raw_data_dir).'
            ) -%}
        {%- else -%}
            {%- do problems.extend(cs_metrics.raw_contract_column_problems(
                item.table, item.location ~ ' (var raw_data_dir)'
            )) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}
