{#-
    The lifecycle stage per account-month (every row of the backbone), first
    match wins:
      churned    - mrr = 0 (every backbone month is after the first paid one)
      onboarding - tenure_months < var lifecycle_onboarding_months
      renewal    - next_renewal_at < t(M) + var lifecycle_renewal_window_days
      adoption   - tenure_months < var lifecycle_adoption_months
      mature     - otherwise
    Definitions: doc blocks lifecycle_* (models/marts/core/_health__docs.md).
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}
{%- set onboarding_months = cs_metrics.setting_sql(
    'lifecycle_onboarding_months'
) %}
{%- set adoption_months = cs_metrics.setting_sql('lifecycle_adoption_months') %}
with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

renewal_months as (
    select * from {{ ref('int_account_months_renewals_dated') }}
),

joined as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.mrr,
        account_months.tenure_months,
        account_months.snapshot_at,
        renewal_months.next_renewal_at
    from account_months
    left outer join renewal_months
        on
            account_months.account_id = renewal_months.account_id
            and account_months.month_start = renewal_months.month_start
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- strings
        case
            when not mrr > 0 then 'churned'
            when tenure_months < {{ onboarding_months }}
                then 'onboarding'
            when next_renewal_at < {{ dbt.dateadd(
                'day', cs_metrics.setting('lifecycle_renewal_window_days'), 'snapshot_at'
            ) }}
                then 'renewal'
            when tenure_months < {{ adoption_months }}
                then 'adoption'
            else 'mature'
        end as lifecycle_stage,

        ---------- timestamps
        next_renewal_at
    from joined
)

select * from final
