{#-
    Helpers for reading raw sources. On DuckDB a source may point at a file
    through dbt-duckdb's `external_location` (the relation then renders as
    `read_parquet('<path>')`); on other adapters sources are plain tables.
-#}

{#- The file path (or glob) behind a DuckDB external source, else none. -#}
{% macro raw_source_location(relation) %}
    {%- set external = relation.external if relation.external is defined else none -%}
    {%- if not external -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = modules.re.search("'([^']+)'", external) -%}
    {{ return(found.group(1) if found else none) }}
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
        "select count(*) as file_count from glob('" ~ location ~ "')"
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
    {%- set literal = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- if not path.lower().endswith('.csv') -%}
        {{ return('read_parquet(' ~ literal ~ ')') }}
    {%- endif -%}
    {%- set types = [] -%}
    {%- for name, data_type in (column_types or {}).items() -%}
        {%- set duckdb_type = 'timestamptz'
            if (data_type | lower) == 'timestamp' else data_type -%}
        {%- do types.append(
            "'" ~ (name | replace("'", "''")) ~ "': '" ~ duckdb_type ~ "'"
        ) -%}
    {%- endfor -%}
    {{ return(
        'read_csv(' ~ literal ~ ', header = true, all_varchar = true'
        ~ (', types = {' ~ types | join(', ') ~ '}' if types else '')
        ~ ')'
    ) }}
{% endmacro %}


{#-
    A DuckDB file source whose Parquet file is missing but whose CSV file
    (<table>.csv beside it) exists: the relation re-pointed at the CSV file,
    read with the contract's types (the data_type of each sources YAML
    column the file has). Any other relation is returned as it is.
-#}
{% macro raw_file_source(relation, source_name, table_name) %}
    {%- set location = cs_metrics.raw_source_location(relation) if execute else none -%}
    {%- if location is none or not location.lower().endswith('.parquet') -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set csv = location[:-8] ~ '.csv' -%}
    {%- set found = run_query(
        "select (select count(*) from glob('" ~ location ~ "')) as parquet_files,"
        ~ " (select count(*) from glob('" ~ csv ~ "')) as csv_files"
    ) -%}
    {%- if found.columns[0].values()[0] > 0 or found.columns[1].values()[0] == 0 -%}
        {{ return(relation) }}
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
