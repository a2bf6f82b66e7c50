package opstime

import (
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	at := time.Date(2026, time.March, 7, 14, 5, 9, 123456789, time.UTC)
	morning := time.Date(2026, time.December, 25, 0, 30, 0, 0, time.UTC)
	tests := []struct {
		layout string
		at     time.Time
		want   string
	}{
		{"yyyy-MM-dd-HHmm", at, "2026-03-07-1405"},
		{"yyyyMMdd", at, "20260307"},
		{"yy-M-d H:m:s", at, "26-3-7 14:5:9"},
		{"dd MMM yyyy", at, "07 Mar 2026"},
		{"dddd, d MMMM", at, "Saturday, 7 March"},
		{"ddd", at, "Sat"},
		{"hh:mm tt", at, "02:05 PM"},
		{"h:mm tt", morning, "12:30 AM"},
		{"HH:mm:ss.fff", at, "14:05:09.123"},
		{"ss.ff", at, "09.12"},
		{"'Backup_'yyyy", at, "Backup_2026"},
		{`"at" HH\h`, at, "at 14h"},
		{`yyyy\\MM`, at, `2026\03`},
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			got, err := Format(tt.at, tt.layout)
			if err != nil || got != tt.want {
				t.Errorf("Format(%q) = %q, %v; want %q", tt.layout, got, err, tt.want)
			}
		})
	}
}

func TestFormatRejectsUnknownLayouts(t *testing.T) {
	tests := []struct{ layout, wantErr string }{
		{"", "empty"},
		{"yyyy-MM-dd-Q", `unknown specifier "Q"`},
		{"'open", "unclosed quote"},
		{`yyyy\`, "trailing backslash"},
	}
	for _, tt := range tests {
		_, err := Format(time.Now(), tt.layout)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Format(%q) error = %v, want %q", tt.layout, err, tt.wantErr)
		}
		if Validate(tt.layout) == nil {
			t.Errorf("Validate(%q) accepted it", tt.layout)
		}
	}
}

func TestParse(t *testing.T) {
	syd, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		layout, value string
		loc           *time.Location
		want          time.Time
	}{
		{"yyyy-MM-dd-HHmm", "2026-03-07-1405", time.UTC, time.Date(2026, 3, 7, 14, 5, 0, 0, time.UTC)},
		{"yyyyMMdd", "20261125", syd, time.Date(2026, 11, 25, 0, 0, 0, 0, syd)},
		{"dd MMM yyyy", "07 mar 2026", time.UTC, time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)},
		{"hh:mm tt yyyy-MM-dd", "12:30 AM 2026-12-25", time.UTC, time.Date(2026, 12, 25, 0, 30, 0, 0, time.UTC)},
		{"hh:mm tt yyyy-MM-dd", "02:05 PM 2026-12-25", time.UTC, time.Date(2026, 12, 25, 14, 5, 0, 0, time.UTC)},
		{"yy-M-d", "26-3-7", time.UTC, time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)},
		{"HH:mm:ss.fff yyyy", "14:05:09.120 2026", time.UTC, time.Date(2026, 1, 1, 14, 5, 9, 120e6, time.UTC)},
		{"'Backup_'yyyy-MM-dd", "Backup_2026-11-25", time.UTC, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.layout+"/"+tt.value, func(t *testing.T) {
			got, err := Parse(tt.layout, tt.value, tt.loc)
			if err != nil || !got.Equal(tt.want) || got.Location() != tt.loc {
				t.Errorf("Parse = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ layout, value, wantErr string }{
		{"yyyy-MM-dd", "2026-02-30", "not a real date"},
		{"yyyy-MM-dd", "2026-13-01", "not a real date"},
		{"yyyy-MM-dd", "2026-1-01", "does not match"},
		{"yyyy-MM-dd", "2026-01-01 extra", "does not match"},
		{"yyyyMMdd", "../../etc", "does not match"},
		{"dd MMM yyyy", "07 Foo 2026", "unknown month"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.layout, tt.value, time.UTC)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Parse(%q, %q) error = %v, want %q", tt.layout, tt.value, err, tt.wantErr)
		}
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)
	for _, layout := range []string{"yyyy-MM-dd-HHmm", "yyyyMMddHHmmss", "dd-MMM-yyyy hh.mm tt"} {
		s, err := Format(at, layout)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(layout, s, time.UTC)
		if err != nil || !back.Equal(at) {
			t.Errorf("%s: %q parsed back as %v, %v", layout, s, back, err)
		}
	}
}
