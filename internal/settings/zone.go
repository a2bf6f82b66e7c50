package settings

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the zone database travels inside the binary
)

// LoadLocation returns the time zone named by an IANA name ("Australia/Sydney"),
// a Windows name ("AUS Eastern Standard Time", matched without regard to case),
// or "UTC".
func LoadLocation(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "UTC") {
		return time.UTC, nil
	}
	if iana, ok := windowsZoneName(name); ok {
		name = iana
	}
	if strings.Contains(name, "..") {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as Australia/Sydney or a Windows name such as AUS Eastern Standard Time", name)
	}
	return loc, nil
}

func windowsZoneName(name string) (string, bool) {
	if iana, ok := windowsZones()[name]; ok {
		return iana, true
	}
	for win, iana := range windowsZones() {
		if strings.EqualFold(win, name) {
			return iana, true
		}
	}
	return "", false
}
