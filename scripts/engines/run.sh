#!/usr/bin/env bash
# Engine suite: the same project on a real PostgreSQL server and on Apache Spark,
# with the same numbers as on DuckDB.
#
#   1. installs Debian's PostgreSQL 15 and a Java 17 runtime when missing (apt-get);
#   2. generates a demo-size raw data set with fixed dates (36 months to 2025-06-15);
#   3. builds the DuckDB reference (models only: DuckDB's tests run in `make build`);
#   4. starts a throw-away PostgreSQL server (initdb in a temporary directory, listening
#      on 127.0.0.1 only, a free port; stopped on exit, even on failure), loads the data
#      with `cs-metrics load`, validates the raw schemas (`cs-metrics validate --target
#      postgres`), runs `dbt build` (models, data and unit tests), validates the marts
#      (`cs-metrics validate --marts`) and checks the read-only BI role
#      (tests/engines/test_engine_postgres_grants.py);
#      then the connector presets: the same company in the connectors' layout (`cs-metrics
#      generate --layout fivetran`: Stripe, Salesforce, Zendesk and Segment tables, loaded as
#      timestamptz), loaded into a database of its own, built with the presets selected, their
#      unit tests run there, and every public mart compared with the DuckDB contract build;
#   5. the same on Spark (local session, its own warehouse and metastore; marts validated);
#      on both, the first build is as of FIRST_AS_OF (a day of the month before); then the
#      changes a warehouse receives are loaded (scripts/engines/replay_changes.py: a late
#      event, a duplicate, a back-dated cancellation, a price change of a closed month, a
#      late NPS response and ticket) and the daily run as of AS_OF rewrites only the month
#      window (replace_months on PostgreSQL, insert_overwrite of month partitions on Spark)
#      and is tested again;
#   6. compares every public mart with DuckDB row by row (scripts/engines/compare.py): with
#      DuckDB's same two runs, and with a full DuckDB build of the final data (all but the
#      month-close record, which a single build cannot equal by design).
#
# Usage: scripts/engines/run.sh [postgres] [spark]   (default: both)
# Settings: ENGINES_ACCOUNTS (1000, the demo size), ENGINES_KEEP=1 keeps the work directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BIN=$ROOT/.venv/bin
ENGINES=("${@:-postgres spark}")
read -r -a ENGINES <<<"${ENGINES[*]}"
ACCOUNTS=${ENGINES_ACCOUNTS:-1000}
START=2022-07
END=2025-06-15
AS_OF=$END
# the engines' first build: the daily run to AS_OF then crosses a month boundary
FIRST_AS_OF=2025-05-28
PG_BIN=/usr/lib/postgresql/15/bin

export DBT_SEND_ANONYMOUS_USAGE_STATS=false
unset CS_METRICS_TARGET

log() { printf '\n=== %s  %s\n' "$(date -u +%H:%M:%S)" "$*"; }
wants() { [[ " ${ENGINES[*]} " == *" $1 "* ]]; }
elapsed() { echo $((SECONDS - $1)); }

# ---------------------------------------------------------------- packages
JAVA_HOME_17=$(ls -d /usr/lib/jvm/java-17-openjdk-* 2>/dev/null | head -n 1 || true)
missing=()
if wants postgres && [ ! -x "$PG_BIN/initdb" ]; then missing+=(postgresql-15); fi
if wants spark && [ -z "$JAVA_HOME_17" ]; then missing+=(openjdk-17-jre-headless); fi
if ((${#missing[@]})); then
    SUDO=()
    if [ "$(id -u)" != 0 ]; then SUDO=(sudo -n); fi
    if ! command -v apt-get >/dev/null || { ((${#SUDO[@]})) && ! sudo -n true 2>/dev/null; }; then
        # a developer machine without root or apt: say so and skip, but never in CI
        echo "engine suite: ${missing[*]} missing and cannot be installed here (needs apt-get" \
            "as root or passwordless sudo)."
        if [ -n "${CI:-}" ]; then
            echo "CI is set: a missing engine fails the run."
            exit 1
        fi
        echo "SKIPPED the PostgreSQL/Spark comparison; install ${missing[*]} (Debian) to run it."
        exit 0
    fi
    log "installing ${missing[*]} (apt-get)"
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
    JAVA_HOME_17=$(ls -d /usr/lib/jvm/java-17-openjdk-* 2>/dev/null | head -n 1 || true)
fi

# ---------------------------------------------------------------- work dir
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cs-metrics-engines.XXXXXX")
chmod 755 "$WORK"
PGDATA=$WORK/pg/data
as_pg() {
    # initdb and postgres refuse to run as root: use the postgres system user then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    status=$?
    if [ -f "$PGDATA/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 ||
            as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ "${ENGINES_KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RAW=$WORK/raw
VARS="{raw_data_dir: '$RAW', as_of_date: '$AS_OF'}"
FIRST_VARS="{raw_data_dir: '$RAW', as_of_date: '$FIRST_AS_OF'}"
# the same company with the changes loaded by AS_OF (scripts/engines/replay_changes.py)
RAW_DAY=$WORK/raw-day
DAY_VARS="{raw_data_dir: '$RAW_DAY', as_of_date: '$AS_OF'}"
dbt() { # <command> <target> [args]: own target and log paths, so target/ is untouched
    local command=$1 target=$2
    shift 2
    "$BIN/dbt" --no-use-colors "$command" --target "$target" --profiles-dir "$ROOT/profiles" \
        --target-path "$WORK/target-$target" --log-path "$WORK/logs-$target" \
        --vars "${DBT_VARS:-$VARS}" "$@"
}
quietly() { # <log> <command...>: output to the log, shown when the command fails
    local output=$1
    shift
    "$@" >"$output" 2>&1 || {
        tail -n 40 "$output"
        return 1
    }
}
build() { # <target> [args]: dbt build, a one-line summary or the failures
    dbt_step build "$@"
}
dbt_step() { # <command> <target> [args]: a one-line summary, or the failures (or no node)
    local command=$1 target=$2 output=$WORK/dbt-$2-$SECONDS.log
    shift 2
    if dbt "$command" "$target" "$@" >"$output" 2>&1; then
        if grep -q "Nothing to do" "$output"; then
            echo "dbt $command $*: selects nothing"
            return 1
        fi
        grep -E "Done\. PASS" "$output" || true
    else
        grep -E "ERROR|FAIL|Error|Done\." "$output" |
            grep -vE " START |CodeGenerator|WARN " | tail -n 40
        return 1
    fi
}
validate() { # <name> [args]: cs-metrics validate, its last line or its output on failure
    local name=$1
    shift
    quietly "$WORK/validate-$name.log" "$BIN/cs-metrics" validate "$@" \
        --out "$WORK/validate-$name.json" && tail -n 1 "$WORK/validate-$name.log"
}
first_build() { # <target>: dbt build (models, data and unit tests) as of FIRST_AS_OF
    DBT_VARS=$FIRST_VARS build "$1"
}
incremental() { # <target>: the daily run as of AS_OF on the changed data (incremental
    # models by their engine strategy: the month window, doc block month_window), data tests
    log "$1: the daily run as of $AS_OF (month window) after the changes, and the data tests"
    DBT_VARS=$DAY_VARS build "$1" --exclude-resource-type unit_test
}
timings=()

# ---------------------------------------------------------------- data + reference
log "generating $ACCOUNTS accounts, $START .. $END"
"$BIN/cs-metrics" generate --accounts "$ACCOUNTS" --start "$START" --end "$END" --seed 7 \
    --out "$RAW" >/dev/null

log "DuckDB reference build (models and seeds), as of $FIRST_AS_OF then $AS_OF like the engines"
# the month-close marts record the day each month was closed: the reference closes them on
# the same days (its incremental runs equal a full rebuild: tests/integration/
# test_replay_incremental.py)
t=$SECONDS
CS_METRICS_DB=$WORK/reference.duckdb DBT_VARS=$FIRST_VARS quietly "$WORK/dbt-duckdb-first.log" \
    dbt build duckdb --exclude-resource-type test --exclude-resource-type unit_test
CS_METRICS_DB=$WORK/reference.duckdb quietly "$WORK/dbt-duckdb.log" \
    dbt build duckdb --exclude-resource-type test --exclude-resource-type unit_test
"$BIN/python" scripts/engines/replay_changes.py "$RAW" "$RAW_DAY" --day "$AS_OF"
# the engines' sequence: the first build, then the daily run after the changes; and a full
# build of the final data
CS_METRICS_DB=$WORK/replay.duckdb DBT_VARS=$FIRST_VARS quietly "$WORK/dbt-duckdb-replay-1.log" \
    dbt build duckdb --exclude-resource-type test --exclude-resource-type unit_test
CS_METRICS_DB=$WORK/replay.duckdb DBT_VARS=$DAY_VARS quietly "$WORK/dbt-duckdb-replay-2.log" \
    dbt build duckdb --exclude-resource-type test --exclude-resource-type unit_test
CS_METRICS_DB=$WORK/full.duckdb DBT_VARS=$DAY_VARS quietly "$WORK/dbt-duckdb-full.log" \
    dbt build duckdb --exclude-resource-type test --exclude-resource-type unit_test
timings+=("duckdb references (models only): $(elapsed $t)s")
COMPARE_ARGS=("$BIN/python" "$ROOT/scripts/engines/compare.py" --profiles-dir "$ROOT/profiles"
    --manifest "$WORK/target-duckdb/manifest.json")
# the connector layouts: the unchanged company, as DuckDB built it the same two days
COMPARE=("${COMPARE_ARGS[@]}" --duckdb "$WORK/reference.duckdb")
compare_daily() { # <engine args>: with DuckDB's same runs, and with a full build
    echo "against DuckDB's same two runs:"
    "${COMPARE_ARGS[@]}" --duckdb "$WORK/replay.duckdb" "$@" &&
        echo "against a full DuckDB build of the final data (month-close record aside):" &&
        "${COMPARE_ARGS[@]}" --duckdb "$WORK/full.duckdb" \
            --exclude-under models/marts/reports/close/ "$@"
}
failed=0

# ---------------------------------------------------------------- PostgreSQL
if wants postgres; then
    log "PostgreSQL: throw-away server"
    mkdir -p "$WORK/pg"
    if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/pg"; fi
    PG_PASSWORD=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(16))')
    BI_PASSWORD=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(16))')
    printf '%s\n' "$PG_PASSWORD" >"$WORK/pg/pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/pg/pwfile"; fi
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --pwfile="$WORK/pg/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C >"$WORK/pg/initdb.log"
    PG_PORT=$("$BIN/python" -c \
        'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c timezone=America/Los_Angeles" \
        >/dev/null
    export CS_METRICS_PG_HOST=127.0.0.1 CS_METRICS_PG_PORT=$PG_PORT \
        CS_METRICS_PG_USER=cs_metrics CS_METRICS_PG_PASSWORD=$PG_PASSWORD \
        CS_METRICS_PG_DATABASE=cs_metrics CS_METRICS_PG_SSLMODE=disable
    # the build user owns its database and may create the BI role; a BI user logs in
    PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
        -p "$PG_PORT" -U postgres -d postgres <<SQL
create role cs_metrics login createrole password '$PG_PASSWORD';
create database cs_metrics owner cs_metrics;
create role cs_metrics_bi_reader login password '$BI_PASSWORD';
SQL
    echo "listening on 127.0.0.1:$PG_PORT (data in $PGDATA)"

    log "PostgreSQL: cs-metrics load"
    t=$SECONDS
    quietly "$WORK/load-postgres.log" "$BIN/cs-metrics" load --target postgres "$RAW"
    tail -n 1 "$WORK/load-postgres.log"
    timings+=("postgres load: $(elapsed $t)s")

    # The server's default zone is not UTC (America/Los_Angeles, above) and the raw
    # timestamps become `timestamp with time zone`, as many loaders write them: the build must
    # still give DuckDB's numbers (the project sets UTC sessions and reads each timestamp as
    # its UTC instant).
    log "PostgreSQL: raw timestamps as timestamp with time zone, server zone $(
        PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -qAt -h 127.0.0.1 -p "$PG_PORT" -U postgres \
            -d cs_metrics -c 'show timezone')"
    zoned_timestamps() { # <database> <schema...>: every raw timestamp column as timestamptz
        local database=$1
        shift
        PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
            -p "$PG_PORT" -U cs_metrics -d "$database" -v schemas="$(printf "'%s'," "$@" |
                sed 's/,$//')" <<'SQL'
select format(
    'alter table %I.%I alter column %I type timestamptz using %I at time zone ''UTC''',
    table_schema, table_name, column_name, column_name
)
from information_schema.columns
where table_schema in (:schemas) and data_type = 'timestamp without time zone'
\gexec
SQL
    }
    zoned_timestamps cs_metrics crm billing finance product support

    log "PostgreSQL: cs-metrics validate (raw schemas)"
    validate postgres-raw --target postgres --as-of "$AS_OF" || failed=1

    log "PostgreSQL: dbt build (models, data tests, unit tests) as of $FIRST_AS_OF"
    t=$SECONDS
    first_build postgres || failed=1
    timings+=("postgres dbt build: $(elapsed $t)s")
    log "PostgreSQL: cs-metrics load of the changed data"
    quietly "$WORK/load-postgres-day.log" "$BIN/cs-metrics" load --target postgres "$RAW_DAY"
    tail -n 1 "$WORK/load-postgres-day.log"
    zoned_timestamps cs_metrics crm billing finance product support
    t=$SECONDS
    incremental postgres || failed=1
    timings+=("postgres daily run: $(elapsed $t)s")

    log "PostgreSQL: cs-metrics validate --marts"
    validate postgres-marts --marts --target postgres --artifacts "$WORK/target-postgres" || failed=1

    log "PostgreSQL: read-only BI role"
    PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
        -p "$PG_PORT" -U postgres -d cs_metrics \
        -c "grant cs_metrics_bi to cs_metrics_bi_reader"
    CS_METRICS_ENGINES_BI_USER=cs_metrics_bi_reader \
        CS_METRICS_ENGINES_BI_PASSWORD=$BI_PASSWORD \
        CS_METRICS_ENGINES_MANIFEST=$WORK/target-postgres/manifest.json \
        "$BIN/pytest" -q -p no:cacheprovider tests/engines/test_engine_postgres_grants.py || failed=1

    log "PostgreSQL: compare the public marts with DuckDB"
    compare_daily --postgres-target postgres || failed=1

    # Connector presets: the same company as the connectors write it, generated with the same
    # arguments in each layout of CONNECTOR_LAYOUTS (`cs-metrics generate --layout ...`; the
    # fivetran layout holds every connector of cs_metrics.generate.fivetran.registry.LAYOUTS),
    # loaded into a database of its own (`cs-metrics load` finds the presets from the folders,
    # e.g. stripe/ without billing/), built with the presets its generator names (the vars of
    # its marker) and compared with the DuckDB contract build: every public mart the same, but
    # for the connector rows listed in fct_data_quality_issues. A connector added to the
    # fivetran layout runs here as it is; another choice of the generator (e.g. a CRM option)
    # is one more entry below (one more build: about a minute).
    CONNECTOR_LAYOUTS=("--layout fivetran")
    json_field() { # <python expression over `d`, the JSON of $1>: print it
        "$BIN/python" -c "import json, sys; d = json.loads(sys.argv[1]); print($2)" "$1"
    }
    connector_layout() { # <index> <generator options>: generate, load, build, compare
        local raw=$WORK/raw-layout-$1 database=cs_metrics_layout_$1 preset_vars
        # shellcheck disable=SC2086 # the generator's options
        "$BIN/cs-metrics" generate --accounts "$ACCOUNTS" --start "$START" --end "$END" \
            --seed 7 --out "$raw" $2 >/dev/null || return 1
        preset_vars=$(json_field "$(cat "$raw/.cs_metrics_demo")" 'json.dumps(d["vars"])')
        echo "presets: $preset_vars"
        PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
            -p "$PG_PORT" -U postgres -d postgres -c "create database $database owner cs_metrics" ||
            return 1
        local VARS FIRST CS_METRICS_PG_DATABASE=$database
        export CS_METRICS_PG_DATABASE
        VARS=$(json_field "$preset_vars" \
            "json.dumps({'raw_data_dir': '$raw', 'as_of_date': '$AS_OF', **d})")
        FIRST=$(json_field "$preset_vars" \
            "json.dumps({'raw_data_dir': '$raw', 'as_of_date': '$FIRST_AS_OF', **d})")
        quietly "$WORK/load-postgres-layout-$1.log" "$BIN/cs-metrics" load --target postgres \
            "$raw" && tail -n 2 "$WORK/load-postgres-layout-$1.log" &&
            # shellcheck disable=SC2046 # one schema per connector
            zoned_timestamps "$database" crm finance product support \
                $(json_field "$preset_vars" '" ".join(sorted(set(d.values())))') &&
            # the models (as of FIRST_AS_OF, then the daily run as of AS_OF, as the reference),
            # then the presets' unit tests (disabled in the contract build above)
            DBT_VARS=$FIRST build postgres --exclude-resource-type test \
                --exclude-resource-type unit_test &&
            build postgres --exclude-resource-type test --exclude-resource-type unit_test &&
            dbt_step test postgres --select "test_type:unit,path:models/connectors" &&
            "${COMPARE[@]}" --postgres-target postgres --connector-layout "$raw"
    }
    for index in "${!CONNECTOR_LAYOUTS[@]}"; do
        log "PostgreSQL: connector presets (${CONNECTOR_LAYOUTS[$index]})"
        t=$SECONDS
        connector_layout "$index" "${CONNECTOR_LAYOUTS[$index]}" || failed=1
        timings+=("postgres connector presets (${CONNECTOR_LAYOUTS[$index]}): $(elapsed $t)s")
    done
fi

# ---------------------------------------------------------------- Spark
if wants spark; then
    export JAVA_HOME=$JAVA_HOME_17
    export CS_METRICS_SPARK_WAREHOUSE=$WORK/spark/warehouse
    export CS_METRICS_SPARK_METASTORE=$WORK/spark/metastore

    log "Spark: cs-metrics load (local session, Java in $JAVA_HOME)"
    t=$SECONDS
    quietly "$WORK/load-spark.log" "$BIN/cs-metrics" load --target spark "$RAW"
    tail -n 1 "$WORK/load-spark.log"
    timings+=("spark load: $(elapsed $t)s")

    log "Spark: dbt build (models, data tests, unit tests) as of $FIRST_AS_OF"
    t=$SECONDS
    first_build spark || failed=1
    timings+=("spark dbt build: $(elapsed $t)s")
    log "Spark: cs-metrics load of the changed data"
    quietly "$WORK/load-spark-day.log" "$BIN/cs-metrics" load --target spark "$RAW_DAY"
    tail -n 1 "$WORK/load-spark-day.log"
    t=$SECONDS
    incremental spark || failed=1
    timings+=("spark daily run: $(elapsed $t)s")

    log "Spark: cs-metrics validate --marts"
    validate spark-marts --marts --target spark --artifacts "$WORK/target-spark" || failed=1

    log "Spark: compare the public marts with DuckDB"
    compare_daily --spark-warehouse "$CS_METRICS_SPARK_WAREHOUSE" || failed=1
fi

log "timings"
printf '  %s\n' "${timings[@]}"
if [ "$failed" != 0 ]; then
    echo "engine suite FAILED (logs: ENGINES_KEEP=1 keeps $WORK)"
    exit 1
fi
echo "engine suite passed: ${ENGINES[*]} build, test and match DuckDB"
