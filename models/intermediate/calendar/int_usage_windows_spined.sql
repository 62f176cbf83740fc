{#-
    The usage windows of the month in progress (the as-of month), one row
    per window k = 0 .. var usage_trend_months:
        window k = [t* - (k + 1) months, t* - k months)
    where t* is the as-of month's snapshot_at (the first instant after
    as_of_date, from int_months_spined) and month arithmetic keeps the day
    of the month, clamped to the month's last day (as of 2026-03-30:
    t* = 03-31, window 0 = [02-28, 03-31)). Window 0 is the usage the month
    in progress reports; windows 1 .. k are the usage_trend prior. A
    complete month's windows are calendar months (its own and the months
    before it), so only the month in progress needs this model.
    Doc block: month_in_progress.
-#}

with

months as (
    select * from {{ ref('int_months_spined') }}
),

month_in_progress as (
    select cast(snapshot_at as date) as evaluated_on
    from months
    where not is_month_complete
),

windows as (
    {%- for k in range(cs_metrics.setting('usage_trend_months') + 1) %}
    select
        {{ k }} as window_offset,
        {{ cs_metrics.add_months('evaluated_on', -(k + 1)) }} as start_date,
        {{ cs_metrics.add_months('evaluated_on', -k) }} as end_date
    from month_in_progress
    {%- if not loop.last %}

    union all
    {%- endif %}
    {% endfor %}
),

final as (
    select
        ---------- keys
        cast(window_offset as {{ dbt.type_int() }}) as window_offset,

        ---------- dates
        start_date as window_start_date,
        -- the last day in the window (end_date is excluded)
        cast(
            {{ dbt.dateadd('day', -1, 'end_date') }} as date
        ) as window_last_date,

        ---------- timestamps
        cast(start_date as {{ dbt.type_timestamp() }}) as window_start_at,
        cast(end_date as {{ dbt.type_timestamp() }}) as window_end_at
    from windows
)

select * from final
