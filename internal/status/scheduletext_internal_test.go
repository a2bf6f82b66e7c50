package status

import "testing"

func TestScheduleTextNamesTheTrigger(t *testing.T) {
	tests := []struct {
		f    Function
		want string
	}{
		{Function{Trigger: "timer", Schedule: "0 0 * * * *"}, "0 0 * * * *"},
		{Function{Trigger: "timer", Schedule: "0 0 * * * *", Overdue: true}, "OVERDUE (0 0 * * * *)"},
		{Function{Trigger: "queue"}, "queue"},
		{Function{Trigger: "http"}, "http"},
	}
	for _, tt := range tests {
		if got := scheduleText(tt.f); got != tt.want {
			t.Errorf("scheduleText(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}
