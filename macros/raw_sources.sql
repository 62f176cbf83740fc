{#-
    Helpers for reading raw sources. On DuckDB a source may point at a file
    through dbt-duckdb's `external_location` (the relation then renders as
    `read_parquet('<path>')`); on other adapters sources are plain tables.
-#}

{#-
    The file a DuckDB file source reads (its path, as a text), else none:
    the source as raw_file_source re-points it, read_parquet('<path>') or
    read_csv('<path>', ...), the path a SQL string literal (sql_string).
-#}
{% macro raw_source_location(relation) %}
    {%- set external = relation.external if relation.external is defined else none -%}
    {%- set found = modules.re.match(
        "^read_[a-z]+[(]'((?:[^']|'')*)'", external or ''
    ) -%}
    {{ return(found.group(1) | replace("''", "'") if found else none) }}
{% endmacro %}


{#-
    The file path of a source as dbt-duckdb makes it from the sources YAML
    external_location (read_parquet('<var raw_data_dir>/<source>/<table>.parquet'),
    the path written as it is, quotes and all), else none.
-#}
{% macro raw_source_template_path(relation) %}
    {%- set external = relation.external if relation.external is defined else none -%}
    {%- if not external or "('" not in external or "')" not in external -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(external[external.index("('") + 2:external.rindex("')")]) }}
{% endmacro %}


{#- True when the raw relation (table, view or file) exists. -#}
{% macro raw_relation_exists(relation) %}
    {%- if cs_metrics.is_unit_test_fixture(relation) -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.dispatch('raw_relation_exists', 'cs_metrics')(relation)) }}
{% endmacro %}

{% macro default__raw_relation_exists(relation) %}
    {%- set found = adapter.get_relation(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier
    ) -%}
    {{ return(found is not none) }}
{% endmacro %}

{% macro duckdb__raw_relation_exists(relation) %}
    {%- set location = cs_metrics.raw_source_location(relation) -%}
    {%- if location is none -%}
        {{ return(cs_metrics.default__raw_relation_exists(relation)) }}
    {%- endif -%}
    {%- set result = run_query(
        'select count(*) as file_count from glob('
        ~ cs_metrics.sql_string(location) ~ ')'
    ) -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{% endmacro %}


{#- Lower-cased column names of an existing relation (reads no rows). -#}
{% macro raw_column_names(relation) %}
    {%- set result = run_query('select * from ' ~ relation ~ ' limit 0') -%}
    {{ return(result.column_names | map('lower') | list) }}
{% endmacro %}


{#-
    `cast(<column> as <data_type>)` when the raw relation has the column
    (a timestamp through utc_timestamp), else a typed null: lets staging
    read optional raw columns (`_loaded_at`). A unit test's fixture is taken
    to hold the column.
-#}
{% macro source_column_or_null(relation, column_name, data_type) %}
    {#- a unit test's fixture is taken to have the column (give it) -#}
    {%- set present = execute and (
        cs_metrics.is_unit_test_fixture(relation)
        or cs_metrics.raw_relation_exists(relation)
        and column_name | lower in cs_metrics.raw_column_names(relation)
    ) -%}
    {%- if present and data_type == dbt.type_timestamp() -%}
        {{ cs_metrics.utc_timestamp(relation, column_name) }}
    {%- elif present -%}
        cast({{ column_name }} as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{% endmacro %}


{#-
    The one home of raw file formats: the SQL that reads one raw file (or
    glob) with DuckDB, chosen by its extension. `.csv`: every column as
    text except the ones typed by column_types (file column name -> sources
    YAML data_type); a `timestamp` reads as `timestamp with time zone`, so a
    written offset counts and a value without one is UTC (the profile sets
    TimeZone to UTC). Anything else: Parquet, whose types are its own.
-#}
{% macro raw_file_reader(path, column_types=none) %}
    {%- set literal = cs_metrics.sql_string(path) -%}
    {%- if not path.lower().endswith('.csv') -%}
        {{ return('read_parquet(' ~ literal ~ ')') }}
    {%- endif -%}
    {%- set types = [] -%}
    {%- for name, data_type in (column_types or {}).items() -%}
        {%- set duckdb_type = 'timestamptz'
            if (data_type | lower) == 'timestamp' else data_type -%}
        {%- do types.append(
            cs_metrics.sql_string(name) ~ ': ' ~ cs_metrics.sql_string(duckdb_type)
        ) -%}
    {%- endfor -%}
    {{ return(
        'read_csv(' ~ literal ~ ', header = true, all_varchar = true'
        ~ (', types = {' ~ types | join(', ') ~ '}' if types else '')
        ~ ')'
    ) }}
{% endmacro %}


{#-
    A DuckDB file source re-pointed at its file through raw_file_reader (the
    one place a path is written into SQL, quoted by sql_string, so a
    directory named `raw data o'brien` reads as it is): its Parquet file,
    or, when that is missing and <table>.csv beside it exists, the CSV
    file read with the contract's types (the data_type of each sources YAML
    column the file has). Any other relation is returned as it is.
-#}
{% macro raw_file_source(relation, source_name, table_name) %}
    {%- set location = cs_metrics.raw_source_template_path(relation) if execute else none -%}
    {%- if location is none or not location.lower().endswith('.parquet') -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set csv = location[:-8] ~ '.csv' -%}
    {%- set found = run_query(
        'select (select count(*) from glob(' ~ cs_metrics.sql_string(location)
        ~ ')) as parquet_files, (select count(*) from glob('
        ~ cs_metrics.sql_string(csv) ~ ')) as csv_files'
    ) -%}
    {%- if found.columns[0].values()[0] > 0 or found.columns[1].values()[0] == 0 -%}
        {{ return(relation.incorporate(
            external=cs_metrics.raw_file_reader(location)
        )) }}
    {%- endif -%}
    {%- set header = run_query(
        'select * from ' ~ cs_metrics.raw_file_reader(csv) ~ ' limit 0'
    ).column_names -%}
    {%- set node = graph.sources.get(
        'source.' ~ cs_metrics.package_name() ~ '.' ~ source_name ~ '.' ~ table_name
    ) -%}
    {%- set contract = {} -%}
    {%- for column in (node.columns.values() if node else []) if column.data_type -%}
        {%- do contract.update({column.name | lower: column.data_type}) -%}
    {%- endfor -%}
    {%- set types = {} -%}
    {%- for name in header if name | lower in contract -%}
        {%- do types.update({name: contract[name | lower]}) -%}
    {%- endfor -%}
    {{ return(relation.incorporate(
        external=cs_metrics.raw_file_reader(csv, types)
    )) }}
{% endmacro %}


{#-
    Every source() of the project goes through raw_file_source: a raw
    table may be delivered as <table>.parquet or, on DuckDB, <table>.csv.
-#}
{% macro source(source_name, table_name) %}
    {{ return(cs_metrics.raw_file_source(
        builtins.source(source_name, table_name), source_name, table_name
    )) }}
{% endmacro %}
