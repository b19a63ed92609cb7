-- Whether the matcher's scorer rates two birth dates anything but 'disagree' (src/matching/score.ts compareDob): the
-- same date, day and month swapped, or one of year, month and day different, by one or by one digit. The same-names
-- blocking key (src/matching/candidates.ts) keeps, for a record that could not be listed beside a patient born on a
-- date that disagrees with its own, only the patients this is true of. One SQL expression of immutable functions only
-- (no to_char, which is stable), so that PostgreSQL inlines it.
CREATE OR REPLACE FUNCTION birth_dates_close(a date, b date) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT a = b
      OR (extract(year FROM a) = extract(year FROM b) AND extract(month FROM a) = extract(day FROM b)
          AND extract(day FROM a) = extract(month FROM b))
      OR ((extract(year FROM a) <> extract(year FROM b))::int + (extract(month FROM a) <> extract(month FROM b))::int
          + (extract(day FROM a) <> extract(day FROM b))::int = 1
          AND (abs(extract(year FROM a) - extract(year FROM b)) = 1 OR abs(extract(month FROM a) - extract(month FROM b)) = 1
               OR abs(extract(day FROM a) - extract(day FROM b)) = 1
               OR levenshtein((extract(year FROM a) * 10000 + extract(month FROM a) * 100 + extract(day FROM a))::int::text,
                              (extract(year FROM b) * 10000 + extract(month FROM b) * 100 + extract(day FROM b))::int::text) <= 1))
$$;
