-- Providers that discover collections in the account (Salesforce objects, Airtable tables) accept
-- collection ids beyond their declared ones; this says which, and lets SQL validation accept them.
ALTER TABLE sequin.providers_catalog ADD COLUMN dynamic_collections text;
