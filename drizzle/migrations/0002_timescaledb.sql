-- TimescaleDB, only where it can run: the extension is available AND preloaded (shared_preload_libraries),
-- and the database has not opted out with `iotlog.timescaledb = off` (ALTER DATABASE ... SET, or the
-- IOTLOG_TIMESCALEDB=off env of createDatabase). Otherwise this migration is a no-op and the same tables stay
-- plain PostgreSQL tables (managed PostgreSQL without the extension, PGlite).
-- Compression, retention and continuous aggregates need the Timescale License edition
-- (timescaledb.license = 'timescale'); the Apache edition gets hypertables only.
DO $$
DECLARE
  opted_out boolean := lower(coalesce(nullif(current_setting('iotlog.timescaledb', true), ''), 'on')) IN ('off', 'false', '0', 'no');
  preloaded boolean := coalesce(current_setting('shared_preload_libraries', true), '') LIKE '%timescaledb%';
  available boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb');
BEGIN
  IF opted_out OR NOT preloaded OR NOT available THEN
    RAISE NOTICE 'iotlog: TimescaleDB not used (opted_out=%, preloaded=%, available=%)', opted_out, preloaded, available;
    RETURN;
  END IF;

  CREATE EXTENSION IF NOT EXISTS timescaledb;

  PERFORM create_hypertable('logs', by_range('time', INTERVAL '1 day'),
    create_default_indexes => false, if_not_exists => true, migrate_data => true);
  PERFORM create_hypertable('telemetry', by_range('time', INTERVAL '1 day'),
    create_default_indexes => false, if_not_exists => true, migrate_data => true);
  PERFORM create_hypertable('events', by_range('time', INTERVAL '7 days'),
    create_default_indexes => false, if_not_exists => true, migrate_data => true);

  IF coalesce(current_setting('timescaledb.license', true), '') <> 'timescale' THEN
    RETURN;
  END IF;

  -- Timescale License edition: compress chunks older than 7 days, drop old chunks, hourly telemetry rollup.
  EXECUTE $sql$ALTER TABLE logs SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id', timescaledb.compress_orderby = 'time DESC, seq')$sql$;
  EXECUTE $sql$ALTER TABLE telemetry SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id, metric', timescaledb.compress_orderby = 'time DESC')$sql$;
  EXECUTE $sql$ALTER TABLE events SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id', timescaledb.compress_orderby = 'time DESC, seq')$sql$;
  PERFORM add_compression_policy('logs', INTERVAL '7 days', if_not_exists => true);
  PERFORM add_compression_policy('telemetry', INTERVAL '7 days', if_not_exists => true);
  PERFORM add_compression_policy('events', INTERVAL '7 days', if_not_exists => true);
  PERFORM add_retention_policy('logs', INTERVAL '30 days', if_not_exists => true);
  PERFORM add_retention_policy('events', INTERVAL '90 days', if_not_exists => true);
  PERFORM add_retention_policy('telemetry', INTERVAL '365 days', if_not_exists => true);
  BEGIN
    EXECUTE $sql$CREATE MATERIALIZED VIEW IF NOT EXISTS telemetry_hourly WITH (timescaledb.continuous) AS
      SELECT time_bucket(INTERVAL '1 hour', time) AS bucket, tenant_id, device_id, metric,
             avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS samples
      FROM telemetry GROUP BY 1, 2, 3, 4 WITH NO DATA$sql$;
    PERFORM add_continuous_aggregate_policy('telemetry_hourly', start_offset => INTERVAL '3 days',
      end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes', if_not_exists => true);
  EXCEPTION WHEN OTHERS THEN
    -- Not fatal: the console reads raw telemetry when the rollup is missing. Visible in the migrate output.
    RAISE WARNING 'iotlog: continuous aggregate telemetry_hourly not created: %', SQLERRM;
  END;
END
$$;
