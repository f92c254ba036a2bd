"""Services: collections, records, auth, files, realtime, mail, settings, logs. No Flask in here."""
