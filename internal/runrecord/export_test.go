package runrecord

// SetMaxAppends lowers the records a history blob takes before the day
// rolls over, so a test can reach the limit.
func (s *Store) SetMaxAppends(n int) { s.maxAppends = n }
