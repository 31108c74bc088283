-- Aborts the statement that calls it, so a one-statement decision (src/db/lead-store.ts) can refuse
-- from inside: a version that moved or a one-tap token already used raises here, and the whole
-- statement (its processed marker included) is rolled back. SQLSTATE IK001 (a class no Postgres
-- error uses) with the reason as the message lets the caller tell it from every other failure.
-- VOLATILE, so the planner never evaluates it ahead of the CASE branch that guards it. Declared to
-- return text only so it can stand in a CASE; it never returns.
CREATE OR REPLACE FUNCTION inkline_abort(reason text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'IK001', MESSAGE = reason;
END;
$$;
