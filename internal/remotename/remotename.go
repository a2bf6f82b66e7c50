// Package remotename decides whether a file name that came from a remote
// server may be used as a file name on our side, on any operating system.
//
// The rules are the same on Linux and Windows, so a name that would be
// refused on the MIM server (a Windows machine) is also refused when the
// binary runs on Linux: no separators of either kind, no traversal, no
// control characters, no names Windows reserves for devices, no characters
// Windows forbids, no trailing dot or space, no more than Windows allows in
// one path component, no names shaped like the 8.3 short names Windows
// generates (which can resolve to another, long-named file), no invisible
// Unicode characters (format characters, every default-ignorable code point
// and look-alike blanks, which disguise how a name reads or make it look
// empty), and no name ending in a blank of any kind (a space, a no-break
// space or another Unicode space separator).
package remotename

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxLength is the longest name accepted, in UTF-16 code units: the length
// limit of one path component on NTFS.
const MaxLength = 255

// ErrUnsafe is wrapped by every error Check returns.
var ErrUnsafe = errors.New("unsafe remote file name")

// forbidden are the printable characters Windows does not allow in names,
// plus both path separators.
const forbidden = `<>:"|?*/\`

// reserved are the device names Windows keeps for itself, with or without an
// extension and in any case.
var reserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM0": true, "COM1": true, "COM2": true, "COM3": true, "COM4": true,
	"COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"COM¹": true, "COM²": true, "COM³": true,
	"LPT0": true, "LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true,
	"LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
	"LPT¹": true, "LPT²": true, "LPT³": true,
}

// Check returns nil when name is safe to use as one file name in a target
// folder, and otherwise an error wrapping ErrUnsafe that says why.
func Check(name string) error {
	if why := problem(name); why != "" {
		return fmt.Errorf("%w %q: %s", ErrUnsafe, name, why)
	}
	return nil
}

func problem(name string) string {
	switch {
	case name == "":
		return "empty"
	case name == "." || name == "..":
		return "a directory reference"
	case !utf8.ValidString(name):
		return "not valid UTF-8"
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		return "an absolute path"
	case len(name) >= 2 && name[1] == ':':
		return "a drive-qualified path"
	}
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f:
			return "contains a control character"
		case r >= 0x80 && r <= 0x9f:
			return "contains a control character"
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("contains U+%04X, an invisible format character (Unicode category Cf) "+
				"that can disguise how the name reads", r)
		case unicode.Is(defaultIgnorable, r):
			return fmt.Sprintf("contains U+%04X, a default-ignorable code point that shows as nothing "+
				"and can disguise how the name reads", r)
		case lookAlikeBlanks[r] != "":
			return fmt.Sprintf("contains U+%04X (%s), which shows as a blank", r, lookAlikeBlanks[r])
		case strings.ContainsRune(forbidden, r):
			if r == '/' || r == '\\' {
				return "contains a path separator"
			}
			return fmt.Sprintf("contains %q, which Windows does not allow", r)
		}
	}
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		return "ends in a dot or a space, which Windows drops"
	}
	if last, _ := utf8.DecodeLastRuneInString(name); unicode.Is(unicode.Zs, last) {
		return fmt.Sprintf("ends in U+%04X, a blank (Unicode space separator) that cannot be seen", last)
	}
	if isReserved(name) {
		return "a device name Windows reserves"
	}
	if n := len(utf16.Encode([]rune(name))); n > MaxLength {
		return fmt.Sprintf("%d characters long; Windows allows %d", n, MaxLength)
	}
	if isShortName(name) {
		return "shaped like an 8.3 short name (a tilde and a number, as in PROGRA~1), which on a volume " +
			"with short names can stand for another, long-named file"
	}
	return ""
}

// Short names as Windows generates them: at most six characters of the
// long name, a tilde and a number from 1 ("PROGRA~1", "LONGF~10" on FAT,
// "AB12CD~5" after the hash step NTFS takes from the fifth collision), then
// an optional extension of at most three characters. A lookup of such a
// name, in any case, finds the file that owns it, whatever its long name.
const (
	maxShortPrefix = 6
	maxShortTail   = 6 // digits; FAT numbers tails up to 999999
	maxShortExt    = 3
)

// isShortName reports whether name could be an 8.3 short name generated
// by Windows. Names with a tilde elsewhere (~$budget.xlsx, notes~.txt,
// a~b.csv, report~2.xlsx with its four-letter extension) are not.
func isShortName(name string) bool {
	base, ext, hasExt := strings.Cut(name, ".")
	if hasExt && (strings.Contains(ext, ".") || ext == "" || utf8.RuneCountInString(ext) > maxShortExt) {
		return false
	}
	i := strings.LastIndexByte(base, '~')
	if i < 1 || utf8.RuneCountInString(base[:i]) > maxShortPrefix {
		return false
	}
	tail := base[i+1:]
	if tail == "" || len(tail) > maxShortTail || tail[0] == '0' {
		return false
	}
	for _, r := range tail {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isReserved reports whether the part before the first dot, without
// trailing spaces, is a reserved device name.
func isReserved(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.TrimRight(base, " ")
	return reserved[strings.ToUpper(base)]
}

// CheckPath checks a relative folder path made of names joined by '/' or
// '\' (such as a dated subfolder), each of which must pass Check. The empty
// path is allowed and means no subfolder.
func CheckPath(p string) error {
	if p == "" {
		return nil
	}
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if err := Check(part); err != nil {
			return err
		}
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return fmt.Errorf("%w %q: an absolute path", ErrUnsafe, p)
	}
	return nil
}

// Segments splits a relative folder path on either separator.
func Segments(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
}
