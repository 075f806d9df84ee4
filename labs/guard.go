package labs

import (
	"fmt"
	"unicode/utf8"
)

// Limits on what Load reads, so that no input makes it work for long: a
// lab is a small hand-written file.
const (
	// MaxFileSize is the largest lab file, in bytes.
	MaxFileSize = 1 << 20
	// MaxNesting is how deep flow collections ([...] and {...}) may nest,
	// and how many block entries (- or ?) one line may open. A lab needs a
	// handful of levels; the YAML parser's time grows with the square of
	// the depth. (Nesting by indentation costs the square of its depth in
	// bytes, which MaxFileSize bounds.)
	MaxNesting = 100
)

// checkInput rejects, before any parsing, a file that is too large, that
// is not UTF-8 text, or whose flow collections nest too deep.
func checkInput(name string, data []byte) *Error {
	if len(data) > MaxFileSize {
		return &Error{File: name, Pos: Pos{Line: 1, Column: 1},
			Msg: fmt.Sprintf("the file is %d bytes: a lab file is at most %d (1 MiB)", len(data), MaxFileSize)}
	}
	line, col := 1, 1
	depth := 0
	var quote byte     // the quote of the string being read, 0 outside one
	comment := false   // in a comment, until the end of the line
	valueStart := true // a collection may start here
	entries := 0       // block entries (- or ?) opened on this line
	for i := 0; i < len(data); {
		c := data[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				return &Error{File: name, Pos: Pos{Line: line, Column: col},
					Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a lab file is UTF-8 text", c)}
			}
			i += size
			col++
			valueStart = false
			continue
		}
		i++
		col++
		switch {
		case c == '\n':
			line, col = line+1, 1
			comment, valueStart, entries = false, true, 0
			if quote == '\'' || quote == '"' {
				valueStart = false
			}
			continue
		case comment:
			continue
		case quote == '"':
			if c == '\\' && i < len(data) && data[i] != '\n' {
				i++
				col++
			} else if c == '"' {
				quote = 0
			}
			continue
		case quote == '\'':
			if c == '\'' {
				if i < len(data) && data[i] == '\'' {
					i++
					col++
				} else {
					quote = 0
				}
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r':
			continue // keeps valueStart as it was
		case '#':
			comment = true
			continue
		case '"', '\'':
			if valueStart {
				quote = c
			}
		case '[', '{':
			if valueStart {
				depth++
				if depth > MaxNesting {
					return &Error{File: name, Pos: Pos{Line: line, Column: col - 1},
						Msg: fmt.Sprintf("collections nest deeper than %d levels", MaxNesting)}
				}
				valueStart = true
				continue
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '-', '?':
			if valueStart && (i == len(data) || data[i] == ' ' || data[i] == '\t' || data[i] == '\n') {
				entries++
				if entries > MaxNesting {
					return &Error{File: name, Pos: Pos{Line: line, Column: col - 1},
						Msg: fmt.Sprintf("collections nest deeper than %d levels", MaxNesting)}
				}
			}
			valueStart = true
			continue
		case ',', ':':
			valueStart = true
			continue
		}
		valueStart = false
	}
	return nil
}
