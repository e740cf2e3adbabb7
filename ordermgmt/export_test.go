package ordermgmt

import "time"

// WithoutInDoubtWait turns the in-doubt wait off. It exists for the soak's
// mutation check only (it is compiled into tests, never into the library):
// without the wait, the soak must report money moved twice.
func WithoutInDoubtWait() Option {
	return func(e *Engine) error {
		e.settings.noWait = true
		return nil
	}
}

// WithShortInDoubtWait sets an InDoubtWait below MinInDoubtWait, for the
// soak, whose servers commit late in real time within it.
func WithShortInDoubtWait(d time.Duration) Option {
	return func(e *Engine) error {
		e.settings.InDoubtWait, e.settings.shortWait = d, true
		return nil
	}
}
