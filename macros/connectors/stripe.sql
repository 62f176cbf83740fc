{#-
    Helpers of the Stripe billing preset (models/connectors/stripe/,
    docs/presets/stripe.md).
-#}

{#-
    Stripe amounts are integers in the currency's smallest unit. An amount
    in major units is the integer times this factor: 1 for zero-decimal
    currencies such as JPY, 0.001 for three-decimal ones, else 0.01 (lists:
    vars stripe_zero_decimal_currencies, stripe_three_decimal_currencies).
    A decimal factor, not a division: the result stays an exact decimal.
-#}
{% macro stripe_major_unit_factor(currency) -%}
    case
        when upper({{ currency }}) in (
            {%- for code in var('stripe_zero_decimal_currencies') -%}
            '{{ code | upper }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        ) then 1.000
        when upper({{ currency }}) in (
            {%- for code in var('stripe_three_decimal_currencies') -%}
            '{{ code | upper }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        ) then 0.001
        else 0.010
    end
{%- endmacro %}


{#- A Stripe amount (smallest unit) in major units of `currency`, as raw-contract money. -#}
{% macro stripe_major_units(amount, currency) -%}
    cast(
        {{ amount }} * {{ cs_metrics.stripe_major_unit_factor(currency) }}
        as {{ cs_metrics.type_raw_money() }}
    )
{%- endmacro %}


{#-
    Why a row of a Stripe table is left out, or null when the preset uses
    it: test mode (livemode = false), then deleted (is_deleted = true, on
    the tables that have the column). The preset models keep the rows where
    this is null (stripe_is_kept) and stripe__data_quality_issues lists the
    others with it.
-#}
{% macro stripe_left_out_reason(has_is_deleted=true) -%}
    case
        when not coalesce(livemode, true) then 'test mode (livemode = false)'
        {%- if has_is_deleted %}
        when coalesce(is_deleted, false) then 'deleted in Stripe (is_deleted = true)'
        {%- endif %}
    end
{%- endmacro %}


{#- True for the rows the preset uses (stripe_left_out_reason is null). -#}
{% macro stripe_is_kept(has_is_deleted=true) -%}
    ({{ cs_metrics.stripe_left_out_reason(has_is_deleted) }}) is null
{%- endmacro %}


{#-
    The body of a CTE: every row of `rows` (a CTE name) with the discount
    applying to its subscription item at the instant `at_column`: the
    item's own discount, else its subscription's; among several, the one
    that started last (stripe__discounts, those applied). Adds
      percent_off       a percent-off coupon's percent (0 otherwise);
      amount_off_share  the share an amount-off coupon takes off the row's
                        quantity x unit price (both in the smallest unit):
                        least(amount_off, base) / base, 0 when the base is
                        0 or there is no such coupon;
      discount_rank     keep 1.
    An amount-off coupon applies only to rows of its currency.
-#}
{% macro stripe_discount_at(
    rows, key_columns, item_column, subscription_column, at_column,
    quantity_column, unit_amount_column, currency_column
) -%}
    {%- set base = rows ~ '.' ~ quantity_column ~ ' * ' ~ rows ~ '.'
        ~ unit_amount_column -%}
    {#- the conditions every match meets, besides its key -#}
    {%- set in_force -%}
            discounts.not_applied_reason is null
            and (
                discounts.amount_off is null
                or discounts.currency = lower({{ rows }}.{{ currency_column }})
            )
            and discounts.starts_at <= {{ rows }}.{{ at_column }}
            and (
                discounts.ends_at is null
                or discounts.ends_at > {{ rows }}.{{ at_column }}
            )
    {%- endset -%}
    {%- set matched_columns -%}
        {{ rows }}.*,
        case
            when discounts.amount_off is null
                then coalesce(discounts.percent_off, 0)
            else 0
        end as percent_off,
        case
            when discounts.amount_off is not null and {{ base }} > 0
                then cast(
                    case
                        when discounts.amount_off < {{ base }}
                            then discounts.amount_off
                        else {{ base }}
                    end as {{ dbt.type_float() }}
                ) / ({{ base }})
            else 0
        end as amount_off_share,
        discounts.is_item_level as discount_is_item_level,
        discounts.starts_at as discount_starts_at,
        discounts.discount_id as discount_id_matched
    {%- endset -%}
    {#- three disjoint sets of candidates, each found by an equality join
        (an "or" in a join condition is a nested loop over every pair):
        the item's own discounts, its subscription's, and no discount, which
        ranks last -#}
    select
        candidates.*,
        row_number() over (
            partition by
                {%- for column in key_columns %}
                candidates.{{ column }}{{ ',' if not loop.last }}
                {%- endfor %}
            order by
                candidates.discount_is_item_level desc nulls last,
                candidates.discount_starts_at desc nulls last,
                candidates.discount_id_matched asc
        ) as discount_rank
    from (
        select
            {{ matched_columns }}
        from {{ rows }}
        inner join {{ ref('stripe__discounts') }} as discounts
            on
                discounts.subscription_item_id = {{ rows }}.{{ item_column }}
                and {{ in_force }}

        union all

        select
            {{ matched_columns }}
        from {{ rows }}
        inner join {{ ref('stripe__discounts') }} as discounts
            on
                discounts.subscription_id = {{ rows }}.{{ subscription_column }}
                and discounts.subscription_item_id is null
                and {{ rows }}.{{ item_column }} is not null
                and {{ in_force }}

        union all

        select
            {{ rows }}.*,
            cast(0 as {{ cs_metrics.type_raw_money() }}) as percent_off,
            cast(0 as {{ dbt.type_float() }}) as amount_off_share,
            cast(null as {{ dbt.type_boolean() }}) as discount_is_item_level,
            cast(null as {{ dbt.type_timestamp() }}) as discount_starts_at,
            cast(null as {{ dbt.type_string() }}) as discount_id_matched
        from {{ rows }}
    ) as candidates
{%- endmacro %}
