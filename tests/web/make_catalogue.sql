-- make_catalogue.sql: 1,000 titles for the catalogue's browser test and bench, made
-- in SQL from one analysed title (caminandes_10s) of a SQLite database: cat_0001 ..
-- cat_1000 with its row and its variants (the same pictures, new variant ids).
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO titles (title_id, source, genre, duration_s, fps, width, height, frames, n_shots,
                    n_candidates, n_variants, content_x, content_y, content_w, content_h,
                    codec, container, metadata, why_fewer, analysis_version, analysed_at,
                    analyse_s)
SELECT printf('cat_%04d', i), source,
       CASE i % 4 WHEN 0 THEN 'action' WHEN 1 THEN 'drama' WHEN 2 THEN 'comedy' ELSE genre END,
       duration_s, fps, width, height, frames, n_shots, n_candidates, n_variants, content_x,
       content_y, content_w, content_h, codec, container,
       replace(metadata, '"caminandes_10s"', printf('"cat_%04d"', i)), why_fewer,
       analysis_version, analysed_at, analyse_s
FROM n, titles WHERE titles.title_id = 'caminandes_10s';
INSERT INTO variants (title, number, slot, scene, composition, time_s, frame, shot,
                      quality_score, relevance, diversity_penalty, score, emotional, action,
                      dramatic, prominence, crops, image_full, image_16x9, image_2x3,
                      image_1x1, metadata, variant_id)
SELECT t.id, v.number, v.slot, v.scene, v.composition, v.time_s, v.frame, v.shot,
       v.quality_score, v.relevance, v.diversity_penalty, v.score, v.emotional, v.action,
       v.dramatic, v.prominence, v.crops, v.image_full, v.image_16x9, v.image_2x3,
       v.image_1x1, replace(v.metadata, '"caminandes_10s"', '"' || t.title_id || '"'),
       lower(hex(randomblob(8)))
FROM variants v JOIN titles src ON v.title = src.id AND src.title_id = 'caminandes_10s'
JOIN titles t ON t.title_id LIKE 'cat\_%' ESCAPE '\';
UPDATE variants SET metadata = json_set(metadata, '$.variant_id', variant_id)
WHERE json_valid(metadata) AND title IN (SELECT id FROM titles WHERE title_id LIKE 'cat\_%' ESCAPE '\');
COMMIT;
