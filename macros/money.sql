{#-
    Exact money arithmetic. Sums, differences and products of decimals are
    exact on every engine; a quotient is not: DuckDB divides decimals in
    double precision (DECIMAL / DECIMAL and DECIMAL / INTEGER give DOUBLE:
    10^9 seats x 1,000,000 a year gave MRR 83,333,333,333,333.328125), and
    PostgreSQL and Spark round at a scale of their choosing. Every division
    of money goes through divide_money, which returns the quotient rounded
    once, half away from zero, at the money type's scale (6 decimals), on
    every engine: scaled integer arithmetic on HUGEINT on DuckDB; exact
    decimal floor division (a - a % b) / b on PostgreSQL and Spark.

    Exact for every amount the project accepts: a subscription item's
    quantity x unit price may be at most money_bound() (10^15 in the item's
    currency per billing interval, e.g. 10^9 seats at 1,000,000); beyond it
    the build stops naming the row (raise_on_money_beyond_bound, post_hook
    of int_subscription_items_priced). docs/bad-input.md gives the types'
    room behind the bound.
-#}

{#-
    numerator / denominator as money (type_money): the exact quotient
    rounded half away from zero at 6 decimals; null when either is null or
    the denominator is 0. numerator: a decimal expression with at most 12
    decimals (on Spark: 6, as Spark keeps them), below 10^25 in size;
    denominator: a whole number (an integer expression).
-#}
{% macro divide_money(numerator, denominator) %}
    {{ return(adapter.dispatch('divide_money', 'cs_metrics')(numerator, denominator)) }}
{% endmacro %}

{#- PostgreSQL numeric and Spark decimal: floor((2|x| 10^6 + d) / 2d) by exact remainders. -#}
{% macro default__divide_money(numerator, denominator) -%}
    {%- set doubled = '(2 * abs(' ~ numerator ~ ') * 1000000 + ' ~ denominator ~ ')' -%}
    {%- set divisor = '(2 * nullif(' ~ denominator ~ ', 0))' -%}
    cast(
        (case when ({{ numerator }}) < 0 then -1 else 1 end)
        * (({{ doubled }} - {{ doubled }} % {{ divisor }}) / {{ divisor }})
        * cast(0.000001 as {{ api.Column.numeric_type('numeric', 7, 6) }})
        as {{ cs_metrics.type_money() }}
    )
{%- endmacro %}

{#-
    DuckDB: the numerator as an integer count of 10^-12 (HUGEINT, exact),
    divided by the denominator in 10^-6 units with integer division.
-#}
{% macro duckdb__divide_money(numerator, denominator) -%}
    {%- set exact = 'cast(' ~ numerator ~ ' as decimal(38, 12))' -%}
    {%- set units -%}
        (
            cast(trunc({{ exact }}) as hugeint) * 1000000000000
            + cast(({{ exact }} - trunc({{ exact }})) * 1000000000000 as hugeint)
        )
    {%- endset -%}
    {%- set divisor = 'cast(nullif(' ~ denominator ~ ', 0) as hugeint) * 1000000' -%}
    cast(
        cast(
            (case when ({{ numerator }}) < 0 then -1 else 1 end)
            * ((2 * abs({{ units }}) + {{ divisor }}) // (2 * {{ divisor }}))
            as decimal(38, 0)
        ) * cast(0.000001 as decimal(7, 6))
        as {{ cs_metrics.type_money() }}
    )
{%- endmacro %}


{#-
    The largest quantity x unit price of a subscription item (in its
    currency, per billing interval) the project computes exactly to the
    cent: 10^15. Behind it the types leave room for conversion at any
    rate below 10^5 and for sums of many such items (docs/bad-input.md).
-#}
{% macro money_bound() %}
    {{ return('1000000000000000') }}
{% endmacro %}

{#- True (SQL) when a quantity x unit price is above money_bound() (compared in double precision, so it cannot overflow). -#}
{% macro is_beyond_money_bound(quantity, unit_amount) -%}
    (
        abs(cast({{ quantity }} as {{ cs_metrics.type_double() }}))
        * abs(cast({{ unit_amount }} as {{ cs_metrics.type_double() }}))
        > cast({{ cs_metrics.money_bound() }} as {{ cs_metrics.type_double() }})
    )
{%- endmacro %}


{#-
    post_hook of int_subscription_items_priced: stops the run when an item
    version that counts in MRR has a quantity x unit price above
    money_bound(), naming the first rows (its MRR is left null rather than
    computed inexactly or overflowing).
-#}
{% macro raise_on_money_beyond_bound(relation, max_listed=5) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set query -%}
        select
            subscription_item_id,
            cast(valid_from_at as {{ dbt.type_string() }}) as valid_from_at,
            cast(quantity as {{ dbt.type_string() }}) as quantity,
            cast(unit_amount as {{ dbt.type_string() }}) as unit_amount,
            currency,
            count(*) over () as row_count
        from {{ relation }}
        where
            exclusion_reason is null
            and {{ cs_metrics.is_beyond_money_bound('quantity', 'unit_amount') }}
        order by subscription_item_id, valid_from_at
        limit {{ max_listed }}
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set lines = [] -%}
    {%- for row in rows -%}
        {%- do lines.append(
            'Amount beyond the exact range: billing.subscription_items row'
            ~ ' subscription_item_id = ' ~ row[0] ~ ', valid_from = ' ~ row[1]
            ~ ': quantity ' ~ row[2] ~ ' x unit_amount ' ~ row[3] ~ ' ' ~ row[4]
            ~ ' is above ' ~ cs_metrics.money_bound()
        ) -%}
    {%- endfor -%}
    {%- if rows[0][5] > rows | length -%}
        {%- do lines.append('... and ' ~ (rows[0][5] - rows | length) ~ ' more row(s)') -%}
    {%- endif -%}
    {%- set message -%}
{{ lines | join('\n') }}
Money is exact to the cent for a quantity x unit price (the item's
unit_amount, else its plan's) up to {{ cs_metrics.money_bound() }} per billing
interval; above it MRR could not be computed exactly, so the build stops.
Check the row in the export (a quantity or a price written in minor units?),
then re-run.
    {%- endset -%}
    {{ exceptions.raise_compiler_error(message) }}
{% endmacro %}
