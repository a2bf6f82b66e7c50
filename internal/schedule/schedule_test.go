package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	base := time.Date(2026, time.November, 25, 8, 0, 0, 0, time.UTC) // a Wednesday
	tests := []struct {
		expr string
		from time.Time
		want []string // successive occurrences, RFC 3339
	}{
		{"0 30 23 * * *", base, []string{"2026-11-25T23:30:00Z", "2026-11-26T23:30:00Z"}},
		{"0 0 * * * *", base, []string{"2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z"}},
		{"*/15 * * * * *", base, []string{"2026-11-25T08:00:15Z", "2026-11-25T08:00:30Z", "2026-11-25T08:00:45Z", "2026-11-25T08:01:00Z"}},
		{"0 0 9-17/4 * * *", base, []string{"2026-11-25T09:00:00Z", "2026-11-25T13:00:00Z", "2026-11-25T17:00:00Z", "2026-11-26T09:00:00Z"}},
		{"0 5,10,50-51 8 * * *", base, []string{"2026-11-25T08:05:00Z", "2026-11-25T08:10:00Z", "2026-11-25T08:50:00Z", "2026-11-25T08:51:00Z", "2026-11-26T08:05:00Z"}},
		{"0 0 0 * * SAT,sun", base, []string{"2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z", "2026-12-05T00:00:00Z"}},
		{"0 0 0 * * MON-FRI", time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), []string{"2026-11-30T00:00:00Z"}},
		{"0 0 12 1 JAN-MAR *", base, []string{"2027-01-01T12:00:00Z", "2027-02-01T12:00:00Z", "2027-03-01T12:00:00Z", "2028-01-01T12:00:00Z"}},
		{"0 0 0 29 2 *", base, []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"10/20 * * * * *", base, []string{"2026-11-25T08:00:10Z", "2026-11-25T08:00:30Z", "2026-11-25T08:00:50Z", "2026-11-25T08:01:10Z"}},
		{"0 0 0 13 * 5", base, []string{"2027-08-13T00:00:00Z"}}, // Friday the 13th: day and weekday both match
		// five fields: the seconds are 0
		{"30 9 * * 1-5", base, []string{"2026-11-25T09:30:00Z", "2026-11-26T09:30:00Z", "2026-11-27T09:30:00Z", "2026-11-30T09:30:00Z"}},
		{"0 30 9 * January Monday", base, []string{"2027-01-04T09:30:00Z", "2027-01-11T09:30:00Z"}},
		{"00:05:00", base, []string{"2026-11-25T08:05:00Z", "2026-11-25T08:10:00Z"}},
		{"1.00:00:00", base, []string{"2026-11-26T08:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			at := tt.from
			for i, want := range tt.want {
				next, ok := s.Next(at)
				if !ok {
					t.Fatalf("occurrence %d: none; want %s", i, want)
				}
				if got := next.Format(time.RFC3339); got != want {
					t.Fatalf("occurrence %d: got %s, want %s", i, got, want)
				}
				at = next
			}
		})
	}
}

func TestScheduleNextKeepsLocation(t *testing.T) {
	syd, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("0 30 23 * * *")
	if err != nil {
		t.Fatal(err)
	}
	next, _ := s.Next(time.Date(2026, 11, 25, 12, 0, 0, 0, syd))
	if want := time.Date(2026, 11, 25, 23, 30, 0, 0, syd); !next.Equal(want) || next.Location() != syd {
		t.Fatalf("got %s, want %s", next, want)
	}
}

func TestScheduleNeverMatching(t *testing.T) {
	s, err := Parse("0 0 0 30 FEB *")
	if err != nil {
		t.Fatal(err)
	}
	if next, ok := s.Next(time.Now()); ok {
		t.Fatalf("30 February fired at %s", next)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ expr, wantErr string }{
		{"30 23 * *", "six fields"},
		{"0 0 30 23 * * *", "six fields"},
		{"00:00:00", "shorter than a second"},
		{"1:xx", "not a time span"},
		{"* * * * Janu *", `month: "Janu" is not a number`},
		{"60 * * * * *", "second: 60 is outside 0-59"},
		{"* * 24 * * *", "hour: 24 is outside 0-23"},
		{"* * * 0 * *", "day: 0 is outside 1-31"},
		{"* * * * 13 *", "month: 13 is outside 1-12"},
		{"* * * * * 7", "day-of-week: 7 is outside 0-6"},
		{"*/0 * * * * *", "second: bad step"},
		{"* 10-5 * * * *", "runs backwards"},
		{"* * * * FOO *", `month: "FOO" is not a number`},
		{"* * * * * ,", `day-of-week: "" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := Parse(tt.expr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestInterval(t *testing.T) {
	s, err := Parse("00:05:00")
	if d, ok := s.Interval(); err != nil || !ok || d != 5*time.Minute {
		t.Errorf("TimeSpan: %v, %v, %v", d, ok, err)
	}
	s, err = Parse("0 */5 * * * *")
	if _, ok := s.Interval(); err != nil || ok {
		t.Errorf("NCRONTAB reported as an interval (err %v)", err)
	}
}
