package remoteps

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// clixmlMarker starts PowerShell's serialized error stream: powershell.exe
// writes its error records as CLIXML when stderr is not a console.
const clixmlMarker = "#< CLIXML"

// ReadableStderr turns PowerShell's CLIXML error stream into plain lines:
// the text of every error string (<S S="Error">), with _xHHHH_ escapes
// decoded; progress records are dropped. Plain text passes through.
func ReadableStderr(stderr string) string {
	if !strings.Contains(stderr, clixmlMarker) {
		return stderr
	}
	var out strings.Builder
	for i, part := range strings.Split(stderr, clixmlMarker) {
		if i == 0 {
			out.WriteString(part)
			continue
		}
		out.WriteString(clixmlErrors(part))
	}
	return out.String()
}

// clixmlErrors reads one <Objs> document and returns its error text.
func clixmlErrors(doc string) string {
	dec := xml.NewDecoder(strings.NewReader(doc))
	var out strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "S" || attr(start, "S") != "Error" {
			continue
		}
		var text string
		if err := dec.DecodeElement(&text, &start); err != nil {
			break
		}
		out.WriteString(unescapeCLIXML(text))
	}
	return out.String()
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

var clixmlEscape = regexp.MustCompile(`(?:_x[0-9A-Fa-f]{4}_)+`)

// unescapeCLIXML decodes the _xHHHH_ escapes CLIXML uses for characters
// such as CR and LF (_x000D__x000A_). Each escape is one UTF-16 code unit,
// so a character outside the Basic Multilingual Plane arrives as two
// (a surrogate pair) and is decoded from both.
func unescapeCLIXML(s string) string {
	return clixmlEscape.ReplaceAllStringFunc(s, func(run string) string {
		units := make([]uint16, 0, len(run)/7)
		for i := 0; i+7 <= len(run); i += 7 {
			n, _ := strconv.ParseUint(run[i+2:i+6], 16, 16)
			units = append(units, uint16(n))
		}
		return string(utf16.Decode(units))
	})
}
