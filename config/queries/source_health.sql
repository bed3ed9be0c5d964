-- Every source's last success, last error and counts: which feeds need a look.
-- newswatch sql --saved source_health
SELECT source_id, name, last_success_at, last_error_at, errors, successes, articles, last_error
FROM v_source_health
ORDER BY errors DESC, source_id;
