-- Story signatures change scheme: MinHash over CRC-32 word hashes with multiply-add-shift
-- permutations (warehouse/stories.py) instead of SHA-1 per shingle. The Python step of this
-- migration (warehouse/resign.py, registered in warehouse/migrate.py) signs every stored
-- article again in this same transaction, so old and new signatures are never compared.
-- A signature whose article is gone has no text to sign again: it goes.
DELETE FROM article_signatures s
WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.article_id = s.article_id);
