{#-
    What the inputs of the account-month tables say about each month, as
    one fingerprint per scope and month: the sum of a hash of every input
    row, put in the first month the row can change. The planner
    (int_reprocess_months_planned) compares them with the fingerprints of
    the last completed run: the earliest month whose fingerprint differs is
    the earliest month a run must rewrite.

    Which month a row can change (the rules, one per staging model):
      - a row's body (its columns but the "end" ones) from the month of its
        start instant (`at`): a changed price, quantity, term or date
        changes the months from the version's start on;
      - each "end" column (a validity end, a cancellation, a payment, a
        void, a first response) from the month of its own value: closing a
        version or paying an invoice today changes today's months only;
      - plans and billing customers from the first month any item version
        or invoice of theirs reaches (a price or a customer mapping changes
        every month it was used in), invoices from the earliest of their
        issue, due date and lines' service periods (a void takes back the
        revenue of every month its lines cover);
      - scope 'crm' (today's CRM values: names, parents, industries,
        regions, channels, CSMs) and scope 'configuration' (the seeds) are
        not monthly (month 1900-01-01): the planner widens the window of
        the models that carry them.
    A row without a start instant is put in 1900-01-01 (a change there
    rewrites every month). Product events are not fingerprinted: the
    planner finds late events from their load time.
-#}
{%- set rules = [
    {
        'model': 'stg_billing__subscription_items',
        'at': 'valid_from_at',
        'body': [
            'subscription_item_id', 'subscription_id', 'plan_id', 'quantity',
            'unit_amount_override', 'discount_percent', 'valid_from_at',
            'is_contract_violation',
        ],
        'ends': ['valid_to_at'],
    },
    {
        'model': 'stg_billing__subscriptions',
        'at': 'least(created_at, started_at)',
        'body': [
            'subscription_id', 'customer_id', 'term_months', 'created_at',
            'started_at', 'trial_end_at', 'is_contract_violation',
            "case when status in ('incomplete', 'incomplete_expired')"
            ~ ' then status end',
        ],
        'ends': ['canceled_at', 'cancel_at', 'ended_at'],
    },
    {
        'model': 'stg_billing__invoices',
        'relation': 'invoices_dated',
        'at': 'first_at',
        'body': [
            'invoice_id', 'customer_id', 'subscription_id', 'currency',
            'issued_at', 'due_at', 'is_contract_violation',
            "case when status in ('void', 'draft') then status end",
        ],
        'ends': ['paid_at', 'voided_at'],
    },
    {
        'model': 'stg_billing__invoice_lines',
        'at': 'cast(period_start_date as ' ~ dbt.type_timestamp() ~ ')',
        'body': [
            'invoice_line_id', 'invoice_id', 'subscription_id', 'plan_id',
            'line_type', 'quantity', 'amount', 'period_start_date',
            'period_end_date', 'is_contract_violation',
        ],
        'ends': [],
    },
    {
        'model': 'stg_finance__fx_rates',
        'at': 'cast(rate_date as ' ~ dbt.type_timestamp() ~ ')',
        'body': [
            'currency', 'rate_to_reporting', 'rate_date',
            'is_contract_violation',
        ],
        'ends': [],
    },
    {
        'model': 'stg_crm__nps_responses',
        'at': 'responded_at',
        'body': [
            'response_id', 'account_id', 'respondent_id', 'score',
            'is_score_valid', 'responded_at', 'is_contract_violation',
        ],
        'ends': [],
    },
    {
        'model': 'stg_support__tickets',
        'at': 'opened_at',
        'body': [
            'ticket_id', 'account_id', 'priority', 'opened_at',
            'is_contract_violation',
        ],
        'ends': ['first_response_at'],
    },
    {
        'model': 'stg_crm__activities',
        'at': 'occurred_at',
        'body': [
            'activity_id', 'account_id', 'owner_id', 'activity_type',
            'occurred_at', 'is_contract_violation',
        ],
        'ends': [],
    },
] -%}
{%- set not_monthly = "cast('1900-01-01' as date)" -%}

with

items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

invoice_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

plans as (
    select * from {{ ref('stg_billing__plans') }}
),

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

support_sla_hours as (
    select * from {{ ref('support_sla_hours') }}
),

-- the first instant each plan and each billing customer reaches
plan_first_use as (
    select
        plan_id,
        min(valid_from_at) as first_at
    from items
    group by plan_id
),

customer_first_use as (
    select
        customer_id,
        min(first_at) as first_at
    from (
        select
            customer_id,
            least(created_at, started_at) as first_at
        from subscriptions

        union all

        select
            customer_id,
            least(issued_at, due_at) as first_at
        from invoices
    ) as uses
    group by customer_id
),

invoice_first_periods as (
    select
        invoice_id,
        min(
            cast(period_start_date as {{ dbt.type_timestamp() }})
        ) as first_period_at
    from invoice_lines
    group by invoice_id
),

invoices_dated as (
    select
        invoices.*,
        case
            when
                invoice_first_periods.first_period_at
                < least(invoices.issued_at, invoices.due_at)
                then invoice_first_periods.first_period_at
            else least(invoices.issued_at, invoices.due_at)
        end as first_at
    from invoices
    left outer join invoice_first_periods
        on invoices.invoice_id = invoice_first_periods.invoice_id
),

contributions as (
    {%- for rule in rules %}
    select
        '{{ rule.model }}' as scope,
        coalesce(
            {{ cs_metrics.month_start_of(rule.at) }}, {{ not_monthly }}
        ) as month_start,
        {{ cs_metrics.summable_fingerprint(rule.body) }} as row_fingerprint
    from {{ rule.relation or ref(rule.model) }}
    {%- for column in rule.ends %}

    union all

    select
        '{{ rule.model }}.{{ column }}' as scope,
        {{ cs_metrics.month_start_of(column) }} as month_start,
        {{ cs_metrics.summable_fingerprint(rule.body[:1] + [column]) }}
            as row_fingerprint
    from {{ rule.relation or ref(rule.model) }}
    where {{ column }} is not null
    {%- endfor %}

    union all
    {%- endfor %}

    select
        'stg_billing__plans' as scope,
        {{ cs_metrics.month_start_of('plan_first_use.first_at') }}
            as month_start,
        {{ cs_metrics.summable_fingerprint([
            'plans.plan_id', 'plans.billing_interval', 'plans.currency',
            'plans.interval_count', 'plans.unit_amount', 'plans.is_per_seat',
            'plans.is_contract_violation',
        ]) }} as row_fingerprint
    from plans
    inner join plan_first_use
        on plans.plan_id = plan_first_use.plan_id

    union all

    select
        'stg_billing__customers' as scope,
        {{ cs_metrics.month_start_of('customer_first_use.first_at') }}
            as month_start,
        {{ cs_metrics.summable_fingerprint([
            'customers.customer_id', 'customers.account_id',
            'customers.currency', 'customers.is_contract_violation',
        ]) }} as row_fingerprint
    from customers
    inner join customer_first_use
        on customers.customer_id = customer_first_use.customer_id

    union all

    select
        'crm' as scope,
        {{ not_monthly }} as month_start,
        {{ cs_metrics.summable_fingerprint([
            'account_id', 'account_name', 'parent_account_id', 'industry',
            'region', 'country_code', 'acquisition_channel', 'csm_owner_id',
            'employee_count', 'is_deleted', 'is_contract_violation',
        ]) }} as row_fingerprint
    from accounts

    union all

    select
        'crm' as scope,
        {{ not_monthly }} as month_start,
        {{ cs_metrics.summable_fingerprint([
            'user_id', 'user_name', 'user_role', 'team', 'is_active',
        ]) }} as row_fingerprint
    from users

    union all

    select
        'configuration' as scope,
        {{ not_monthly }} as month_start,
        {{ cs_metrics.summable_fingerprint(
            ['event_name', 'feature', 'is_core']
        ) }} as row_fingerprint
    from feature_catalog

    union all

    select
        'configuration' as scope,
        {{ not_monthly }} as month_start,
        {{ cs_metrics.summable_fingerprint(['priority', 'sla_hours']) }}
            as row_fingerprint
    from support_sla_hours
),

final as (
    select
        ---------- keys
        cast(scope as {{ dbt.type_string() }}) as scope,
        cast(month_start as date) as month_start,

        ---------- numerics
        cast(sum(row_fingerprint) as decimal(38, 0)) as fingerprint,
        cast(count(*) as {{ dbt.type_bigint() }}) as row_count
    from contributions
    group by
        scope,
        month_start
)

select * from final
