-- Runs whose warehouse was locked (a user's session held the file): they scrape anyway and
-- keep their results as a staged batch, which the first run that gets the lock loads. The
-- deferred run's row is written when its batch is loaded.
ALTER TABLE runs ADD COLUMN status VARCHAR DEFAULT 'completed';  -- completed | deferred
ALTER TABLE runs ADD COLUMN loaded_at TIMESTAMPTZ;               -- a deferred run's batch loaded

CREATE OR REPLACE VIEW v_source_health AS
WITH source_runs AS (   -- per source and run: did its feed (or other listing) answer?
    SELECT source_id, run_id, min(fetched_at) AS ts,
           bool_or(outcome IN ('ok', 'not_modified')) AS ok
    FROM fetches WHERE kind <> 'article'
    GROUP BY source_id, run_id
),
last_ok AS (
    SELECT source_id, max(ts) FILTER (WHERE ok) AS ts FROM source_runs GROUP BY source_id
),
streaks AS (
    SELECT r.source_id,
           count(*) FILTER (WHERE NOT r.ok AND (l.ts IS NULL OR r.ts > l.ts))
               AS consecutive_failures
    FROM source_runs r JOIN last_ok l USING (source_id)
    GROUP BY r.source_id
),
deferrals AS (   -- the runs of the source whose results waited for the warehouse lock
    SELECT s.source_id,
           count(*) FILTER (WHERE r.finished_at >= now() - INTERVAL 7 DAY) AS deferred_runs_7d,
           max(r.finished_at) AS last_deferred_at
    FROM source_runs s JOIN runs r USING (run_id)
    WHERE r.status = 'deferred'
    GROUP BY s.source_id
),
requests AS (
    SELECT source_id,
           max(fetched_at) FILTER (WHERE kind <> 'article' AND outcome IN ('ok', 'not_modified'))
               AS last_success_at,
           max(fetched_at) FILTER (WHERE outcome = 'error') AS last_error_at,
           arg_max(message, fetched_at) FILTER (WHERE outcome = 'error') AS last_error,
           count(*) FILTER (WHERE outcome = 'error') AS errors,
           count(*) FILTER (WHERE outcome IN ('ok', 'not_modified')) AS successes,
           count(*) FILTER (WHERE outcome = 'skipped') AS skipped,
           median(elapsed_ms) FILTER (WHERE outcome IN ('ok', 'not_modified')
                                        AND fetched_at >= now() - INTERVAL 7 DAY)
               AS median_latency_ms
    FROM fetches GROUP BY source_id
),
batches AS (   -- the times a run stored new articles of the source, the latest 31
    SELECT source_id, ts FROM (
        SELECT source_id, ts,
               row_number() OVER (PARTITION BY source_id ORDER BY ts DESC) AS n
        FROM (SELECT DISTINCT source_id, first_seen_at AS ts FROM articles))
    WHERE n <= 31
),
gaps AS (
    SELECT source_id, median(gap) AS usual_gap_hours, count(gap) AS gaps FROM (
        SELECT source_id,
               epoch(ts - lag(ts) OVER (PARTITION BY source_id ORDER BY ts)) / 3600 AS gap
        FROM batches)
    GROUP BY source_id
),
stored AS (
    SELECT source_id, count(*) AS articles, max(first_seen_at) AS last_new_article_at,
           count(*) FILTER (WHERE first_seen_at >= now() - INTERVAL 7 DAY) / 7.0
               AS articles_per_day_7d
    FROM articles GROUP BY source_id
)
SELECT s.source_id, s.name, q.last_success_at, q.last_error_at, q.last_error,
       coalesce(q.errors, 0) AS errors, coalesce(q.successes, 0) AS successes,
       coalesce(a.articles, 0) AS articles,
       coalesce(k.consecutive_failures, 0) AS consecutive_failures,
       coalesce(q.skipped, 0) AS skipped,
       a.last_new_article_at,
       coalesce(a.articles_per_day_7d, 0) AS articles_per_day_7d,
       q.median_latency_ms,
       CASE WHEN g.gaps >= 2 THEN g.usual_gap_hours END AS usual_gap_hours,
       (SELECT list(sa.problem ORDER BY sa.problem) FROM source_alerts sa
        WHERE sa.source_id = s.source_id AND sa.recovered_at IS NULL) AS open_problems,
       coalesce(d.deferred_runs_7d, 0) AS deferred_runs_7d,
       d.last_deferred_at
FROM sources s
LEFT JOIN requests q USING (source_id)
LEFT JOIN streaks k USING (source_id)
LEFT JOIN stored a USING (source_id)
LEFT JOIN gaps g USING (source_id)
LEFT JOIN deferrals d USING (source_id);
