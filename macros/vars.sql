{#-
    The project's vars: the one home of each var's allowed form, the check
    run before anything is built, and the typed reads every model uses.

    var_forms() lists every var of dbt_project.yml with its form; a form is
    a dict with `kind` and the kind's parameters:
      integer       a whole number, `min` / `max` inclusive (when given);
      number        an integer or a decimal, `min` / `max` inclusive;
      date          a calendar date YYYY-MM-DD that exists;
      currency      a three-letter ISO-4217 code (any case; read upper);
      boolean       true or false;
      name          a schema, database or role name: a letter or _, then
                    letters, digits, _, $ or - (at most 63 characters);
      path          a directory: any text but control characters and the
                    characters DuckDB reads as a file pattern (* ? [ ]);
      key           a JSON key: letters, digits, _ and -;
      label         a text value without quotes, backslashes or control
                    characters;
      choice        one of `choices` (any case; read lower);
      input         contract or a connector preset built for `domain`
                    (input_presets(), macros/presets.sql);
      list          a non-empty list (`empty`: may be empty) of `item`s;
      mapping       a mapping (may be empty) of labels to `item`s;
    and `null: true` when null is allowed. var_relations() adds the rules
    between vars (ordered thresholds, weights not all 0).

    check_vars() is run by on-run-start (check_before_run): every var once,
    and the --vars names that are not vars of the project; each problem is
    one line naming the var, the value given and the expected form. Models
    read vars through setting(name) (the typed value) or setting_sql(name)
    (a SQL literal: text quoted by sql_string), never var() pasted into
    SQL. While parsing, a value that is not valid reads as a placeholder of
    its kind (the run is refused by on-run-start before any SQL runs);
    when executing (compile, show, docs), setting() fails with the line.
    Plain Jinja must be able to render var_forms() (the docs test does).
-#}
{% macro var_forms() %}
    {{ return({
        'raw_data_dir': {'kind': 'path'},
        'crm_schema': {'kind': 'name'},
        'crm_database': {'kind': 'name', 'null': true},
        'billing_schema': {'kind': 'name'},
        'billing_database': {'kind': 'name', 'null': true},
        'finance_schema': {'kind': 'name'},
        'finance_database': {'kind': 'name', 'null': true},
        'product_schema': {'kind': 'name'},
        'product_database': {'kind': 'name', 'null': true},
        'support_schema': {'kind': 'name'},
        'support_database': {'kind': 'name', 'null': true},
        'check_raw_contract': {'kind': 'boolean'},
        'billing_source': {'kind': 'input', 'domain': 'billing'},
        'crm_source': {'kind': 'input', 'domain': 'crm'},
        'support_source': {'kind': 'input', 'domain': 'support'},
        'events_source': {'kind': 'input', 'domain': 'events'},
        'stripe_schema': {'kind': 'name'},
        'stripe_database': {'kind': 'name', 'null': true},
        'salesforce_schema': {'kind': 'name'},
        'salesforce_database': {'kind': 'name', 'null': true},
        'hubspot_schema': {'kind': 'name'},
        'hubspot_database': {'kind': 'name', 'null': true},
        'zendesk_schema': {'kind': 'name'},
        'zendesk_database': {'kind': 'name', 'null': true},
        'segment_schema': {'kind': 'name'},
        'segment_database': {'kind': 'name', 'null': true},
        'stripe_account_id_metadata_key': {'kind': 'key'},
        'stripe_term_months_metadata_key': {'kind': 'key'},
        'stripe_seat_unit_labels': {
            'kind': 'list', 'item': {'kind': 'label'}, 'empty': true,
        },
        'stripe_zero_decimal_currencies': {
            'kind': 'list', 'item': {'kind': 'currency'}, 'empty': true,
        },
        'stripe_three_decimal_currencies': {
            'kind': 'list', 'item': {'kind': 'currency'}, 'empty': true,
        },
        'stripe_using_subscription_history': {'kind': 'boolean'},
        'salesforce_account_region_field': {'kind': 'name'},
        'salesforce_account_channel_field': {'kind': 'name'},
        'salesforce_account_csm_field': {'kind': 'name'},
        'salesforce_user_team_field': {'kind': 'name'},
        'salesforce_contact_decision_maker_field': {'kind': 'name'},
        'salesforce_default_currency': {'kind': 'currency', 'null': true},
        'hubspot_company_account_id_property': {'kind': 'name', 'null': true},
        'hubspot_company_region_property': {'kind': 'name'},
        'hubspot_company_channel_property': {'kind': 'name'},
        'hubspot_company_csm_property': {'kind': 'name'},
        'hubspot_default_currency': {'kind': 'currency', 'null': true},
        'crm_user_roles': {'kind': 'mapping', 'item': {'kind': 'label'}},
        'crm_opportunity_types': {'kind': 'mapping', 'item': {'kind': 'label'}},
        'crm_activity_types': {'kind': 'mapping', 'item': {'kind': 'label'}},
        'crm_acquisition_channels': {'kind': 'mapping', 'item': {'kind': 'label'}},
        'zendesk_organization_account_id_column': {'kind': 'name'},
        'zendesk_csat_good_score': {'kind': 'integer', 'min': 1, 'max': 5},
        'zendesk_csat_bad_score': {'kind': 'integer', 'min': 1, 'max': 5},
        'segment_group_account_id_column': {'kind': 'name'},
        'segment_account_id_column': {'kind': 'name', 'null': true},
        'bi_role': {'kind': 'name', 'null': true},
        'as_of_date': {'kind': 'date', 'null': true, 'relative': true},
        'reporting_currency': {'kind': 'currency'},
        'tier_enterprise_min_arr': {'kind': 'number', 'min': 0},
        'tier_mid_market_min_arr': {'kind': 'number', 'min': 0},
        'value_high_min_arr': {'kind': 'number', 'min': 0},
        'health_weight_utilization': {'kind': 'number', 'min': 0},
        'health_weight_usage_trend': {'kind': 'number', 'min': 0},
        'health_weight_feature_breadth': {'kind': 'number', 'min': 0},
        'health_weight_payment': {'kind': 'number', 'min': 0},
        'health_weight_nps': {'kind': 'number', 'min': 0},
        'health_weight_support': {'kind': 'number', 'min': 0},
        'health_green_min': {'kind': 'number', 'min': 0, 'max': 100},
        'health_yellow_min': {'kind': 'number', 'min': 0, 'max': 100},
        'usage_trend_months': {'kind': 'integer', 'min': 1},
        'usage_trend_parity_score': {'kind': 'number', 'min': 0, 'max': 100},
        'payment_grace_days': {'kind': 'integer', 'min': 0},
        'payment_partial_score': {'kind': 'number', 'min': 0, 'max': 100},
        'nps_window_days': {'kind': 'integer', 'min': 1},
        'support_window_days': {'kind': 'integer', 'min': 1},
        'support_default_priority': {'kind': 'label'},
        'health_change_months': {'kind': 'integer', 'min': 1},
        'north_star_health_statuses': {
            'kind': 'list',
            'item': {'kind': 'choice', 'choices': ['green', 'yellow', 'red']},
        },
        'explanation_top_accounts': {'kind': 'integer', 'min': 0},
        'lifecycle_onboarding_months': {'kind': 'integer', 'min': 1},
        'lifecycle_adoption_months': {'kind': 'integer', 'min': 1},
        'lifecycle_renewal_window_days': {'kind': 'integer', 'min': 1},
        'renewal_min_term_months': {'kind': 'integer', 'min': 1},
        'renewal_risk_windows_days': {
            'kind': 'list', 'item': {'kind': 'integer', 'min': 1},
        },
        'renewal_risk_touch_days': {'kind': 'integer', 'min': 1},
        'renewal_rate_min_renewals': {'kind': 'integer', 'min': 0},
        'events_lookback_days': {'kind': 'integer', 'min': 0},
        'reprocess_window_months': {'kind': 'integer', 'min': 0},
        'nps_promoter_min': {'kind': 'integer', 'min': 0, 'max': 10},
        'nps_detractor_max': {'kind': 'integer', 'min': 0, 'max': 10},
        'nps_trailing_days': {'kind': 'integer', 'min': 1},
        'qbr_window_days': {'kind': 'integer', 'min': 1},
        'close_day': {'kind': 'integer', 'min': 1, 'max': 28},
        'reconciliation_tolerance': {'kind': 'number', 'min': 0},
        'revrec_tolerance': {'kind': 'number', 'min': 0},
        'revrec_relative_tolerance': {'kind': 'number', 'min': 0},
    }) }}
{% endmacro %}


{#-
    Rules between vars: `below` (lower < upper; `or_equal`: lower <= upper)
    and `not_all_zero` (at least one of the vars above 0).
-#}
{% macro var_relations() %}
    {%- set weights = [] -%}
    {%- for component, _ in cs_metrics.health_components() -%}
        {%- do weights.append('health_weight_' ~ component) -%}
    {%- endfor -%}
    {{ return([
        {'rule': 'below', 'lower': 'health_yellow_min', 'upper': 'health_green_min',
         'why': 'yellow starts below green'},
        {'rule': 'below', 'lower': 'tier_mid_market_min_arr',
         'upper': 'tier_enterprise_min_arr', 'why': 'mid_market starts below enterprise'},
        {'rule': 'below', 'lower': 'nps_detractor_max', 'upper': 'nps_promoter_min',
         'why': 'a score cannot be a detractor and a promoter'},
        {'rule': 'below', 'lower': 'lifecycle_onboarding_months',
         'upper': 'lifecycle_adoption_months', 'or_equal': true,
         'why': 'adoption follows onboarding'},
        {'rule': 'not_all_zero', 'vars': weights,
         'why': 'the health score is a weighted average of its components'},
    ]) }}
{% endmacro %}


{#- The expected form of a var, in words (the messages and docs/configuration.md). -#}
{% macro var_expected_form(form) %}
    {%- set kind = form['kind'] -%}
    {%- if kind in ['integer', 'number'] -%}
        {%- set noun = 'an integer' if kind == 'integer' else 'a number' -%}
        {%- if form.get('min') is not none and form.get('max') is not none -%}
            {%- set text = noun ~ ' from ' ~ form['min'] ~ ' to ' ~ form['max'] -%}
        {%- elif form.get('min') is not none -%}
            {%- set text = noun ~ ' of at least ' ~ form['min'] -%}
        {%- else -%}
            {%- set text = noun -%}
        {%- endif -%}
    {%- elif kind == 'date' -%}
        {%- set text = 'a calendar date YYYY-MM-DD that exists'
            ~ (', today or yesterday' if form.get('relative') else '') -%}
    {%- elif kind == 'currency' -%}
        {%- set text = 'a three-letter currency code, e.g. USD' -%}
    {%- elif kind == 'boolean' -%}
        {%- set text = 'true or false' -%}
    {%- elif kind == 'name' -%}
        {%- set text = 'a name of letters, digits, _, $ or -, starting with a letter or _' -%}
    {%- elif kind == 'path' -%}
        {%- set text = 'a directory path without control characters or * ? [ ]' -%}
    {%- elif kind == 'key' -%}
        {%- set text = 'a key of letters, digits, _ or -' -%}
    {%- elif kind == 'label' -%}
        {%- set text = 'a text without quotes, backslashes or control characters' -%}
    {%- elif kind == 'choice' -%}
        {%- set text = 'one of ' ~ form['choices'] | join(', ') -%}
    {%- elif kind == 'input' -%}
        {%- set text = 'contract or a connector preset built for ' ~ form['domain'] -%}
    {%- elif kind == 'list' -%}
        {%- set text = ('a list' if form.get('empty') else 'a non-empty list')
            ~ ' of: ' ~ cs_metrics.var_expected_form(form['item']) -%}
    {%- elif kind == 'mapping' -%}
        {%- set text = 'a mapping of: a text without quotes, backslashes or control'
            ~ ' characters -> ' ~ cs_metrics.var_expected_form(form['item']) -%}
    {%- endif -%}
    {{ return(text ~ (', or null' if form.get('null') else '')) }}
{% endmacro %}


{#-
    A value as the messages show it: text in double quotes, control
    characters escaped (the value is shown, never interpreted by the
    terminal), lists in brackets.
-#}
{% macro var_display(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is boolean -%}
        {{ return('true' if value else 'false') }}
    {%- elif value is number -%}
        {{ return(value | string) }}
    {%- elif value is string -%}
        {%- if modules.re.search('[\x00-\x1f\x7f-\x9f]', value) -%}
            {{ return(tojson(value)) }}
        {%- endif -%}
        {{ return('"' ~ value ~ '"') }}
    {%- elif value is mapping -%}
        {{ return(tojson(value)) }}
    {%- elif value is sequence -%}
        {%- set items = [] -%}
        {%- for item in value -%}
            {%- do items.append(cs_metrics.var_display(item)) -%}
        {%- endfor -%}
        {{ return('[' ~ items | join(', ') ~ ']') }}
    {%- endif -%}
    {{ return(value | string) }}
{% endmacro %}


{#-
    {'value': the typed value, 'problem': none, or what is wrong (the
    expected form, a character named)} of one value against its form.
-#}
{% macro var_read(value, form) %}
    {%- set kind = form['kind'] -%}
    {%- set expected = 'expected ' ~ cs_metrics.var_expected_form(form) -%}
    {%- set text = value | string | trim if value is string else none -%}
    {%- if value is none or (text == '' and form.get('null')) -%}
        {{ return({'value': none, 'problem': none if form.get('null') else expected}) }}
    {%- endif -%}

    {%- if kind in ['integer', 'number'] -%}
        {%- set number = none -%}
        {%- if value is boolean -%}
        {%- elif value is integer -%}
            {%- set number = value -%}
        {%- elif value is float and kind == 'number'
            and value == value and value | abs < 1e300 -%}
            {%- set number = value -%}
        {%- elif text is not none and kind == 'integer'
            and modules.re.match('^[+-]?[0-9]+$', text) -%}
            {%- set number = text | int -%}
        {%- elif text is not none and kind == 'number'
            and modules.re.match('^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$', text) -%}
            {%- set number = text | float -%}
        {%- endif -%}
        {%- if number is none
            or (form.get('min') is not none and number < form['min'])
            or (form.get('max') is not none and number > form['max']) -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- endif -%}
        {{ return({'value': number, 'problem': none}) }}

    {%- elif kind == 'date' -%}
        {%- if value is not string and value.isoformat is defined -%}
            {%- set text = value.isoformat()[:10] -%}
        {%- endif -%}
        {#- today / yesterday: the UTC day the run starts on, or the day
            before (as_of_date_string resolves it) -#}
        {%- if form.get('relative') and (text or '') | lower in ['today', 'yesterday'] -%}
            {{ return({'value': text | lower, 'problem': none}) }}
        {%- endif -%}
        {%- set found = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})$', text or '') -%}
        {%- if not found -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- endif -%}
        {%- set year = found.group(1) | int -%}
        {%- set month = found.group(2) | int -%}
        {%- set day = found.group(3) | int -%}
        {%- set leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) -%}
        {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
        {%- if year < 1 or month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
            {{ return({'value': none, 'problem': expected
                ~ ('; there is no month ' ~ month if month < 1 or month > 12
                   else '; ' ~ text[:7] ~ ' has ' ~ month_days[month - 1] ~ ' days')}) }}
        {%- endif -%}
        {{ return({'value': text, 'problem': none}) }}

    {%- elif kind == 'currency' -%}
        {%- if text is none or not modules.re.match('^[A-Za-z]{3}$', text) -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- endif -%}
        {{ return({'value': text | upper, 'problem': none}) }}

    {%- elif kind == 'boolean' -%}
        {%- if value is boolean -%}
            {{ return({'value': value, 'problem': none}) }}
        {%- elif text is not none and text | lower in ['true', 'false'] -%}
            {{ return({'value': text | lower == 'true', 'problem': none}) }}
        {%- endif -%}
        {{ return({'value': none, 'problem': expected}) }}

    {%- elif kind in ['name', 'key', 'label', 'choice', 'input'] -%}
        {%- set patterns = {
            'name': '^[A-Za-z_][A-Za-z0-9_$-]{0,62}$',
            'key': '^[A-Za-z0-9_-]+$',
            'label': '^[^\'"\\\\\x00-\x1f\x7f-\x9f]+$',
            'choice': '^.+$',
            'input': '^.+$',
        } -%}
        {%- if text is none or not modules.re.match(patterns[kind], text) -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- endif -%}
        {%- if kind == 'choice' and text | lower not in form['choices'] -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- elif kind == 'input' -%}
            {%- set spec = cs_metrics.input_presets()[form['domain']] -%}
            {%- set allowed = ['contract'] + spec['presets'] -%}
            {#- as written (no spaces around): the sources' `enabled` configs read it so -#}
            {%- if value | lower not in allowed -%}
                {%- set later = text | lower ~ ' is planned but not built yet; '
                    if text | lower in spec['planned'] else '' -%}
                {{ return({'value': none, 'problem': 'expected an input: '
                    ~ allowed | join(' or ') ~ ' (' ~ later ~ 'docs/presets/README.md)'}) }}
            {%- endif -%}
        {%- endif -%}
        {{ return({'value': text | lower if kind in ['choice', 'input'] else text,
                   'problem': none}) }}

    {%- elif kind == 'path' -%}
        {%- if text is none or text == '' -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- endif -%}
        {%- set bad = modules.re.search('[\x00-\x1f\x7f-\x9f*?\\[\\]]', text) -%}
        {%- if bad -%}
            {%- set character = bad.group(0) -%}
            {%- set why = 'a control character' if character not in '*?[]'
                else 'DuckDB would read the path as a file pattern, matching other files' -%}
            {{ return({'value': none, 'problem': expected ~ ': it holds the character '
                ~ (tojson(character) if character not in '*?[]' else "'" ~ character ~ "'")
                ~ ' (' ~ why ~ '); rename the directory or link it under another name'}) }}
        {%- endif -%}
        {{ return({'value': value | string, 'problem': none}) }}

    {%- elif kind == 'list' -%}
        {%- if value is string or value is mapping or value is not sequence
            or (value | length == 0 and not form.get('empty')) -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- endif -%}
        {%- set items = [] -%}
        {%- for item in value -%}
            {%- set read = cs_metrics.var_read(item, form['item']) -%}
            {%- if read['problem'] is not none -%}
                {{ return({'value': none, 'problem': expected
                    ~ ' (item ' ~ cs_metrics.var_display(item) ~ ' is not)'}) }}
            {%- endif -%}
            {%- do items.append(read['value']) -%}
        {%- endfor -%}
        {{ return({'value': items, 'problem': none}) }}

    {%- elif kind == 'mapping' -%}
        {%- if value is not mapping -%}
            {{ return({'value': none, 'problem': expected}) }}
        {%- endif -%}
        {%- set entries = {} -%}
        {%- for key, item in value.items() -%}
            {%- set read_key = cs_metrics.var_read(key | string, {'kind': 'label'}) -%}
            {%- set read = cs_metrics.var_read(item, form['item']) -%}
            {%- if read_key['problem'] is not none or read['problem'] is not none -%}
                {{ return({'value': none, 'problem': expected
                    ~ ' (entry ' ~ cs_metrics.var_display(key | string) ~ ': '
                    ~ cs_metrics.var_display(item) ~ ' is not)'}) }}
            {%- endif -%}
            {%- do entries.update({read_key['value']: read['value']}) -%}
        {%- endfor -%}
        {{ return({'value': entries, 'problem': none}) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error('var form of unknown kind: ' ~ kind) }}
{% endmacro %}


{#- The one-line message of a var whose value is not of its form. -#}
{% macro var_problem_line(name, value, problem) %}
    {{ return('var ' ~ name ~ ' = ' ~ cs_metrics.var_display(value) ~ ': ' ~ problem ~ '.') }}
{% endmacro %}


{#-
    The value a placeholder of a form reads as while parsing when the var's
    value is not valid (the run is refused before it executes).
-#}
{% macro var_placeholder(form) %}
    {%- set kind = form['kind'] -%}
    {%- if kind in ['integer', 'number'] -%}
        {{ return(form.get('min', 1)) }}
    {%- elif kind == 'boolean' -%}
        {{ return(false) }}
    {%- elif kind == 'currency' -%}
        {{ return('XXX') }}
    {%- elif kind == 'choice' -%}
        {{ return(form['choices'][0]) }}
    {%- elif kind == 'input' -%}
        {{ return('contract') }}
    {%- elif kind == 'list' -%}
        {{ return([cs_metrics.var_placeholder(form['item'])]) }}
    {%- elif kind in ['date'] or form.get('null') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return('placeholder') }}
{% endmacro %}


{#-
    The typed value of a var (an int, a number, upper-cased currency code,
    lower-cased choice, a list, ...). A value that is not of the var's form
    fails in one line naming the var, the value and the form (while
    parsing: reads as a placeholder; on-run-start refuses the run).
-#}
{% macro setting(name) %}
    {%- set forms = cs_metrics.var_forms() -%}
    {%- if name not in forms -%}
        {{ exceptions.raise_compiler_error(
            'setting(' ~ name ~ '): not a var of the project (macros/vars.sql var_forms)'
        ) }}
    {%- endif -%}
    {%- set value = var(name, none) -%}
    {%- set read = cs_metrics.var_read(value, forms[name]) -%}
    {%- if read['problem'] is none -%}
        {{ return(read['value']) }}
    {%- elif not execute -%}
        {{ return(cs_metrics.var_placeholder(forms[name])) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        cs_metrics.var_problem_line(name, value, read['problem'])
    ) }}
{% endmacro %}


{#-
    A var's value as a SQL literal: text quoted with sql_string, numbers
    and booleans as written, null as null; a list as a comma-separated list
    of literals (for `in (...)`).
-#}
{% macro setting_sql(name) %}
    {{ return(cs_metrics.sql_literal(cs_metrics.setting(name))) }}
{% endmacro %}

{% macro sql_literal(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is boolean -%}
        {{ return('true' if value else 'false') }}
    {%- elif value is number -%}
        {{ return(value | string) }}
    {%- elif value is string -%}
        {{ return(cs_metrics.sql_string(value)) }}
    {%- endif -%}
    {%- set items = [] -%}
    {%- for item in value -%}
        {%- do items.append(cs_metrics.sql_literal(item)) -%}
    {%- endfor -%}
    {{ return(items | join(', ')) }}
{% endmacro %}


{#-
    A text as a SQL string literal, whatever it holds: the one place that
    quotes text for SQL (var values, file paths). Standard SQL doubles the
    quote (DuckDB, PostgreSQL with standard_conforming_strings); Spark
    reads backslash escapes in literals, so it escapes both.
-#}
{% macro sql_string(value) %}
    {{ return(adapter.dispatch('sql_string', 'cs_metrics')(value | string)) }}
{% endmacro %}

{% macro default__sql_string(value) %}
    {{ return("'" ~ value | replace("'", "''") ~ "'") }}
{% endmacro %}

{% macro spark__sql_string(value) %}
    {{ return("'" ~ value | replace('\\', '\\\\') | replace("'", "\\'") ~ "'") }}
{% endmacro %}


{#-
    Every problem with the vars of this run, one line each: a value not of
    its var's form, a rule between vars broken, a --vars name that is not a
    var of the project. [] when all are fine.
-#}
{% macro var_problems() %}
    {%- set forms = cs_metrics.var_forms() -%}
    {%- set problems = [] -%}
    {%- set values = {} -%}
    {%- for name, form in forms.items() -%}
        {%- set value = var(name, none) -%}
        {%- set read = cs_metrics.var_read(value, form) -%}
        {%- if read['problem'] is none -%}
            {%- do values.update({name: read['value']}) -%}
        {%- else -%}
            {%- do problems.append(cs_metrics.var_problem_line(name, value, read['problem'])) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for relation in cs_metrics.var_relations() -%}
        {%- if relation['rule'] == 'below'
            and relation['lower'] in values and relation['upper'] in values -%}
            {%- set lower = values[relation['lower']] -%}
            {%- set upper = values[relation['upper']] -%}
            {%- if lower > upper or (lower == upper and not relation.get('or_equal')) -%}
                {%- do problems.append(
                    'var ' ~ relation['lower'] ~ ' = ' ~ lower ~ ' must be '
                    ~ ('at most' if relation.get('or_equal') else 'below')
                    ~ ' var ' ~ relation['upper'] ~ ' = ' ~ upper
                    ~ ' (' ~ relation['why'] ~ ').'
                ) -%}
            {%- endif -%}
        {%- elif relation['rule'] == 'not_all_zero' -%}
            {%- set given = relation['vars'] | select('in', values) | list -%}
            {%- set positive = [] -%}
            {%- for name in given if values[name] > 0 -%}
                {%- do positive.append(name) -%}
            {%- endfor -%}
            {%- if given | length == relation['vars'] | length and positive | length == 0 -%}
                {%- do problems.append(
                    'vars ' ~ given | join(', ') ~ ' are all 0: at least one must be'
                    ~ ' above 0 (' ~ relation['why'] ~ ').'
                ) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set given_vars = invocation_args_dict.get('vars') or {} -%}
    {%- if given_vars is string -%}
        {%- set given_vars = fromyaml(given_vars) or {} -%}
    {%- endif -%}
    {#- a host project installing cs_metrics passes vars of its own -#}
    {%- for name in (given_vars if given_vars is mapping else {})
        if name | string not in forms
        and not cs_metrics.is_installed_as_package() -%}
        {%- set shown = name if modules.re.match('^[A-Za-z0-9_]+$', name | string)
            else cs_metrics.var_display(name | string) -%}
        {%- do problems.append(
            'var ' ~ shown ~ ' = ' ~ cs_metrics.var_display(given_vars[name])
            ~ ': not a var of this project (docs/configuration.md lists them).'
        ) -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}
