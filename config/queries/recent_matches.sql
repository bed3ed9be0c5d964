-- Articles the rules matched in the last $days days, newest first.
-- newswatch sql --saved recent_matches --param days=7
SELECT matched_at, rule_id, source_name, title, sentence, url
FROM v_matches
WHERE matched_at >= now() - to_days(CAST($days AS INTEGER))
ORDER BY matched_at DESC;
