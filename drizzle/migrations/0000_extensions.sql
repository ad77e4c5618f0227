-- Extensions needed by the schema. pg_trgm backs the text search index on logs.message
-- (docs/text-search.md). PGlite loads it from @electric-sql/pglite/contrib/pg_trgm (createDatabase does).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
