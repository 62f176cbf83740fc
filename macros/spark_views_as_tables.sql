{#-
    Spark: models configured as views are built as Parquet tables. Spark
    re-plans and re-computes a view, and every view below it, on each query
    and cannot cache views holding CTEs, so tests on deep view chains took
    minutes each; tables make the build fast and the numbers stay the same.
    Set var spark_views_as_tables: false to keep real views.
-#}
{% materialization view, adapter='spark' %}
    {%- if not var('spark_views_as_tables', true) -%}
        {{ return(create_or_replace_view()) }}
    {%- endif -%}
    {%- set identifier = model['alias'] -%}
    {%- set old_relation = adapter.get_relation(
        database=database, schema=schema, identifier=identifier
    ) -%}
    {%- set target_relation = api.Relation.create(
        identifier=identifier, schema=schema, database=database, type='table'
    ) -%}

    {{ run_hooks(pre_hooks) }}

    {%- if old_relation is not none -%}
        {{ adapter.drop_relation(old_relation) }}
    {%- endif -%}

    {%- call statement('main') -%}
        {{ create_table_as(False, target_relation, compiled_code) }}
    {%- endcall -%}

    {%- do persist_docs(target_relation, model) -%}

    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
