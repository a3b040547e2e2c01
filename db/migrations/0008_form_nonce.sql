-- 0008: the random part of the form token a submission came with.  When a
-- worker dies after its commit but before it answers, the person sees an
-- error page and sends the same page again: the same nonce then finds the
-- stored submission and they are given its reference instead of a second
-- submission or a "duplicate" refusal.
ALTER TABLE join_applications ADD COLUMN form_nonce TEXT NOT NULL DEFAULT '';
ALTER TABLE legal_cases ADD COLUMN form_nonce TEXT NOT NULL DEFAULT '';
CREATE INDEX legal_by_nonce ON legal_cases(form_nonce) WHERE form_nonce <> '';
