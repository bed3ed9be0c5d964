-- The UTC offset a page declared with its publication date, in minutes. TIMESTAMPTZ keeps only
-- the instant, and the rules read dates in the page's own calendar: "tomorrow" in a Tokyo page
-- published at 07:00 +09:00 is the day after its own date, which UTC puts a day earlier.
-- NULL: no date, no declared zone, or stored before this column existed (read as UTC).
ALTER TABLE articles ADD COLUMN published_offset_minutes SMALLINT;

-- v_articles gains the offset and the page's own wall-clock time ("what day did the page say").
CREATE OR REPLACE VIEW v_articles AS
SELECT a.article_id, a.story_id, a.source_id, s.name AS source_name, a.url, a.title,
       a.authors, a.published_at, a.updated_at, a.first_seen_at, a.language, a.section,
       a.tags, a.summary, a.word_count, a.body, a.published_offset_minutes,
       timezone('UTC', a.published_at) + to_minutes(coalesce(a.published_offset_minutes, 0))
           AS published_local
FROM articles a LEFT JOIN sources s USING (source_id);
