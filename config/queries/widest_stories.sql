-- Stories carried by the most sources in the last $days days.
-- newswatch sql --saved widest_stories --param days=7
SELECT title, sources, articles, source_ids, first_published_at
FROM v_stories
WHERE last_seen_at >= now() - to_days(CAST($days AS INTEGER))
ORDER BY sources DESC, articles DESC
LIMIT 20;
