package advisor

// InRollback is inRollback, for the external tests.
var InRollback = inRollback
