package ordermgmt

// WithoutInDoubtWait turns the in-doubt wait off. It exists for the soak's
// mutation check only (it is compiled into tests, never into the library):
// without the wait, the soak must report money moved twice.
func WithoutInDoubtWait() Option {
	return func(e *Engine) error {
		e.settings.noWait = true
		return nil
	}
}
