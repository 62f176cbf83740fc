{#-
    Why did MRR or NRR change this month? For every complete month M with a
    previous month, segment (those of fct_retention_monthly) and metric
      ending_mrr  - the change of ending MRR from M - 1 to M;
      monthly_nrr - the change of monthly NRR from M - 1 to M;
      nrr_ttm     - the change of trailing-twelve-month NRR from M - 1 to M;
    the accounts that drove it, largest first (var
    explanation_top_accounts), and one row for all other accounts. The
    contributions add up to the change exactly (doc block
    retention_change_drivers). Each metric is a sum over accounts of
      ending_mrr:  mrr(A, M)                         (segment at M)
      monthly_nrr: 1 + (expansion + contraction + churned)(A, M) / S(M)
                   (segment where M's movements count, S the segment's
                   starting MRR)
      nrr_ttm:     1 + (mrr(A, M) - base(A)) / B(M)  (cohort accounts, at
                   M - 12, B the cohort base)
    so an account's contribution is its term at M minus its term at M - 1,
    in the segment it counted in each time (an account moving between
    segments contributes to both).
    Incremental by month (doc block month_window; scope crm: it names
    accounts and segments by today's CRM values): a run writes the months
    of its window, reading the account-months and retention from the month
    before it.
-#}
{{ config(**cs_metrics.month_window_config('crm')) }}
{%- set window_start = cs_metrics.month_window('crm') -%}
{%- set read_from = cs_metrics.month_literal(window_start, -1) -%}
{%- set metrics = ['ending_mrr', 'monthly_nrr', 'nrr_ttm'] -%}
{#- where each metric's segment is read (int_account_months_segmented) -#}
{%- set segment_points = {
    'ending_mrr': 'ending', 'monthly_nrr': 'movement', 'nrr_ttm': 'year_ago',
} -%}
{%- set top = cs_metrics.setting('explanation_top_accounts') -%}
{%- set ratio = cs_metrics.type_ratio() -%}
{%- set money = cs_metrics.type_money() -%}
{%- set float = cs_metrics.type_double() -%}
{%- set moves = "'new', 'reactivation', 'expansion', 'contraction', 'churn'" -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
    where is_month_complete and month_start >= {{ read_from }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

retention as (
    select * from {{ ref('fct_retention_monthly') }}
    where month_start >= {{ read_from }}
),

segments as (
    select * from {{ ref('int_account_months_segmented') }}
    where month_start >= {{ read_from }}
),

-- each account's term of every metric at M and at M - 1 (month rows are
-- contiguous per account)
account_terms as (
    select
        account_id,
        month_start,
        {{ cs_metrics.add_months('month_start', -1) }} as previous_month_start,
        movement_type,
        lag(movement_type) over (
            partition by account_id order by month_start asc nulls last
        ) as previous_movement_type,
        mrr as ending_mrr_term,
        coalesce(
            lag(mrr) over (
                partition by account_id order by month_start asc nulls last
            ),
            0
        ) as previous_ending_mrr_term,
        expansion_mrr + contraction_mrr + churned_mrr as monthly_nrr_term,
        coalesce(
            lag(expansion_mrr + contraction_mrr + churned_mrr) over (
                partition by account_id order by month_start asc nulls last
            ),
            0
        ) as previous_monthly_nrr_term,
        case
            when year_ago_mrr_cc > 0 then mrr - year_ago_mrr_cc else 0
        end as nrr_ttm_term,
        coalesce(
            lag(
                case
                    when year_ago_mrr_cc > 0 then mrr - year_ago_mrr_cc
                    else 0
                end
            ) over (
                partition by account_id order by month_start asc nulls last
            ),
            0
        ) as previous_nrr_ttm_term
    from account_months
),

-- one row per account, metric and side (M: +1, M - 1: -1) whose term is
-- not 0; the side's month (value_month_start) gives its segment
sides as (
    {%- for metric in metrics %}
    select
        account_id,
        month_start,
        month_start as value_month_start,
        '{{ metric }}' as metric,
        1 as side_sign,
        {{ metric }}_term as term,
        previous_{{ metric }}_term as counterpart_term
    from account_terms
    where {{ metric }}_term <> 0

    union all

    select
        account_id,
        month_start,
        previous_month_start as value_month_start,
        '{{ metric }}' as metric,
        -1 as side_sign,
        previous_{{ metric }}_term as term,
        {{ metric }}_term as counterpart_term
    from account_terms
    where previous_{{ metric }}_term <> 0
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- each side in the segment its metric counts it in that month: ending MRR
-- at the end of the month, monthly NRR where its movements count, TTM NRR
-- in the cohort's segment (int_account_months_segmented)
segmented as (
    select
        sides.*,
        segments.segment_type,
        case sides.metric
            {%- for metric, point in segment_points.items() %}
            when '{{ metric }}' then segments.{{ point }}_segment_value
            {%- endfor %}
        end as segment_value
    from sides
    inner join segments
        on
            sides.account_id = segments.account_id
            and sides.value_month_start = segments.month_start
),

-- a term's share of its metric: MRR as it is, NRR terms over the
-- segment's starting MRR or cohort base of that month
shared as (
    select
        segmented.*,
        case segmented.metric
            when 'ending_mrr' then cast(segmented.term as {{ float }})
            when 'monthly_nrr'
                then
                    cast(segmented.term as {{ float }})
                    / cast(nullif(retention.starting_mrr_cc, 0) as {{ float }})
            when 'nrr_ttm'
                then
                    cast(segmented.term as {{ float }})
                    / cast(
                        nullif(retention.cohort_base_mrr_ttm, 0) as {{ float }}
                    )
        end as term_share
    from segmented
    left outer join retention
        on
            segmented.value_month_start = retention.month_start
            and segmented.segment_type = retention.segment_type
            and segmented.segment_value = retention.segment_value
),

contributions as (
    select
        account_id,
        month_start,
        segment_type,
        segment_value,
        metric,
        max(case when side_sign = 1 then 1 else 0 end) as has_current,
        max(case when side_sign = -1 then 1 else 0 end) as has_previous,
        max(abs(counterpart_term)) as counterpart_size,
        sum(case when side_sign = 1 then term else 0 end) as amount,
        sum(case when side_sign = -1 then term else 0 end) as previous_amount,
        -- MRR exactly; NRR shares rounded to the ratio's 10 decimals
        case
            when metric = 'ending_mrr'
                then cast(sum(side_sign * term) as {{ ratio }})
            else cast(
                round(cast(sum(side_sign * term_share) as {{ ratio }}), 10)
                as {{ ratio }}
            )
        end as contribution
    from shared
    group by
        account_id,
        month_start,
        segment_type,
        segment_value,
        metric
),

-- the metric at M and M - 1 per segment (ending MRR of a segment missing
-- in M - 1 is 0); months without a previous month are not explained
metric_values as (
    {%- for metric in metrics %}
    select
        month_start,
        segment_type,
        segment_value,
        '{{ metric }}' as metric,
        cast({{ metric }} as {{ ratio }}) as metric_value
    from retention
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

months as (
    select distinct month_start
    from retention
),

changes as (
    select
        current_values.month_start,
        current_values.segment_type,
        current_values.segment_value,
        current_values.metric,
        case
            when current_values.metric = 'ending_mrr'
                then coalesce(previous_values.metric_value, 0)
            else previous_values.metric_value
        end as previous_value,
        current_values.metric_value as current_value
    from metric_values as current_values
    inner join months as previous_months
        on
            previous_months.month_start = {{ cs_metrics.add_months(
                'current_values.month_start', -1
            ) }}
    left outer join metric_values as previous_values
        on
            previous_months.month_start = previous_values.month_start
            and current_values.segment_type = previous_values.segment_type
            and current_values.segment_value = previous_values.segment_value
            and current_values.metric = previous_values.metric
),

explained as (
    select
        *,
        current_value - previous_value as metric_change
    from changes
    where
        current_value is not null
        and previous_value is not null
        and {{ cs_metrics.in_month_window('month_start', window_start) }}
),

ranked as (
    select
        contributions.*,
        row_number() over (
            partition by
                contributions.month_start,
                contributions.segment_type,
                contributions.segment_value,
                contributions.metric
            order by
                abs(contributions.contribution) desc nulls last,
                contributions.account_id asc nulls last
        ) as driver_rank
    from contributions
    inner join explained
        on
            contributions.month_start = explained.month_start
            and contributions.segment_type = explained.segment_type
            and contributions.segment_value = explained.segment_value
            and contributions.metric = explained.metric
    where contributions.contribution <> 0
),

-- the top accounts with their movements at M and M - 1 (read here, not
-- carried through the contributions: two strings less in a group by of
-- every account, month, segment and metric)
top_accounts as (
    select
        ranked.*,
        account_terms.movement_type,
        account_terms.previous_movement_type
    from ranked
    inner join account_terms
        on
            ranked.account_id = account_terms.account_id
            and ranked.month_start = account_terms.month_start
    where ranked.driver_rank <= {{ top }}
),

others as (
    select
        explained.month_start,
        explained.segment_type,
        explained.segment_value,
        explained.metric,
        coalesce(max(top_accounts.driver_rank), 0) + 1 as driver_rank,
        coalesce(sum(top_accounts.contribution), 0) as top_contribution
    from explained
    left outer join top_accounts
        on
            explained.month_start = top_accounts.month_start
            and explained.segment_type = top_accounts.segment_type
            and explained.segment_value = top_accounts.segment_value
            and explained.metric = top_accounts.metric
    group by
        explained.month_start,
        explained.segment_type,
        explained.segment_value,
        explained.metric
),

other_accounts as (
    select
        month_start,
        segment_type,
        segment_value,
        metric,
        count(*) as account_count,
        sum(amount) as amount,
        sum(previous_amount) as previous_amount
    from ranked
    where driver_rank > {{ top }}
    group by
        month_start,
        segment_type,
        segment_value,
        metric
),

driver_rows as (
    select
        top_accounts.month_start,
        top_accounts.segment_type,
        top_accounts.segment_value,
        top_accounts.metric,
        top_accounts.driver_rank,
        top_accounts.account_id,
        case
            -- counted in the same segment both months
            when
                top_accounts.has_current = 1
                and top_accounts.has_previous = 1
                then
                    case
                        when top_accounts.movement_type in ({{ moves }})
                            then top_accounts.movement_type
                        when top_accounts.amount = top_accounts.previous_amount
                            then 'cohort base change'
                        when top_accounts.metric = 'nrr_ttm'
                            then 'year-ago base or fx'
                        else 'fx impact'
                    end
            -- counted in another segment on the other side
            when
                top_accounts.has_current = 1
                and top_accounts.counterpart_size > 0
                then 'moved in'
            when top_accounts.counterpart_size > 0 then 'moved out'
            when
                top_accounts.has_current = 1
                and top_accounts.metric = 'nrr_ttm'
                and top_accounts.movement_type not in ({{ moves }})
                then 'joined cohort'
            when top_accounts.has_current = 1 then top_accounts.movement_type
            -- last month's NRR term (e.g. an expansion) did not recur
            when top_accounts.metric = 'monthly_nrr'
                then {{ dbt.concat([
                    "'last month: '",
                    "coalesce(top_accounts.previous_movement_type, 'none')",
                ]) }}
            when
                top_accounts.metric = 'nrr_ttm'
                and top_accounts.movement_type not in ({{ moves }})
                then 'left cohort'
            else top_accounts.movement_type
        end as driver,
        top_accounts.movement_type,
        top_accounts.previous_movement_type,
        1 as account_count,
        top_accounts.amount,
        top_accounts.previous_amount,
        top_accounts.contribution
    from top_accounts

    union all

    -- every other account, plus what rounding left over
    select
        others.month_start,
        others.segment_type,
        others.segment_value,
        others.metric,
        others.driver_rank,
        null as account_id,
        'other accounts' as driver,
        null as movement_type,
        null as previous_movement_type,
        coalesce(other_accounts.account_count, 0) as account_count,
        coalesce(other_accounts.amount, 0) as amount,
        coalesce(other_accounts.previous_amount, 0) as previous_amount,
        explained.metric_change - others.top_contribution as contribution
    from others
    inner join explained
        on
            others.month_start = explained.month_start
            and others.segment_type = explained.segment_type
            and others.segment_value = explained.segment_value
            and others.metric = explained.metric
    left outer join other_accounts
        on
            others.month_start = other_accounts.month_start
            and others.segment_type = other_accounts.segment_type
            and others.segment_value = other_accounts.segment_value
            and others.metric = other_accounts.metric
),

final as (
    select
        ---------- keys
        driver_rows.month_start,
        driver_rows.segment_type,
        driver_rows.segment_value,
        driver_rows.metric,
        cast(driver_rows.driver_rank as {{ dbt.type_int() }}) as driver_rank,

        ---------- ids
        driver_rows.account_id,

        ---------- strings
        accounts.account_name,
        driver_rows.driver,
        driver_rows.movement_type,
        driver_rows.previous_movement_type,

        ---------- numerics: the driver
        cast(
            driver_rows.account_count as {{ dbt.type_bigint() }}
        ) as account_count,
        cast(driver_rows.previous_amount as {{ money }}) as previous_amount,
        cast(driver_rows.amount as {{ money }}) as amount,
        cast(driver_rows.contribution as {{ ratio }}) as contribution,
        cast(
            driver_rows.contribution / nullif(explained.metric_change, 0)
            as {{ ratio }}
        ) as share_of_change,

        ---------- numerics: the metric
        cast(explained.previous_value as {{ ratio }}) as previous_value,
        cast(explained.current_value as {{ ratio }}) as current_value,
        cast(explained.metric_change as {{ ratio }}) as metric_change
    from driver_rows
    inner join explained
        on
            driver_rows.month_start = explained.month_start
            and driver_rows.segment_type = explained.segment_type
            and driver_rows.segment_value = explained.segment_value
            and driver_rows.metric = explained.metric
    left outer join accounts
        on driver_rows.account_id = accounts.account_id
)

select * from final
