"""Records: the model, its SQL, its API shape and the service every write goes through."""
