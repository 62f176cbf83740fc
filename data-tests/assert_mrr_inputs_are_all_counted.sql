{{ config(severity='warn') }}
{#-
    Warns (does not fail) when raw rows are left out of MRR, so the build
    output says how many: "WARN n". Each returned row names the raw table,
    the record and the reason (see int_revenue_data_quality_issues).
-#}
select
    source_table,
    record_id,
    issue_type,
    issue_description
from {{ ref('int_revenue_data_quality_issues') }}
where is_excluded_from_mrr
