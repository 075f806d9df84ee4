package labs

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrUnknownLab is returned (wrapped) by Builtin, BuiltinSource and Resolve
// for a name that is neither a built-in lab nor a lab file.
var ErrUnknownLab = errors.New("unknown lab")

// maxErrors is how many errors Load reports before it gives up.
const maxErrors = 100

// Error is a mistake in a lab file, positioned at the offending YAML node.
type Error struct {
	// File is the lab's file name, as given to Load.
	File string
	// Pos is where the mistake is; the zero Pos when unknown.
	Pos Pos
	// Path is the YAML path of the offending node, such as
	// "$.steps[2].ping.to" (indexes count from 0, as in goccy/go-yaml's
	// YAMLPath); empty when the mistake is not in one node (a syntax
	// error).
	Path string
	// Msg says what is wrong, and what was expected.
	Msg string
	// Line is the text of the offending line (without its newline), for
	// Excerpt; empty when unknown.
	Line string
	// point says that Pos points at a mapping the mistake is about (one
	// that lacks a key, say), rather than at the offending value or key:
	// Excerpt then underlines nothing.
	point bool
}

// Error formats e as "file:line:col: path: msg", leaving out the parts
// that are unknown, and the "$." of the path:
//
//	quickstart.yaml:12:7: steps[2].ping.to: not an IPv4 address: "10.0.0"
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Pos.IsValid() {
		fmt.Fprintf(&b, "%d:%d:", e.Pos.Line, e.Pos.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if p := displayPath(e.Path); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// displayPath turns "$.steps[2].ping" into "steps[2].ping", and "$" into
// "".
func displayPath(p string) string {
	p = strings.TrimPrefix(p, "$")
	return strings.TrimPrefix(p, ".")
}

// ErrorList is several mistakes in a lab file, in file order.
type ErrorList []*Error

// Error joins the errors' texts, one a line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the errors of l, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Err returns nil for an empty list, the *Error for a list of one, and l
// otherwise.
func (l ErrorList) Err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return l
}

// sortErrors orders l by position (unknown positions last), dropping
// duplicates and keeping at most maxErrors.
func sortErrors(l ErrorList) ErrorList {
	key := func(e *Error) (int, int) {
		if !e.Pos.IsValid() {
			return int(^uint(0) >> 1), 0
		}
		return e.Pos.Line, e.Pos.Column
	}
	slices.SortStableFunc(l, func(a, b *Error) int {
		al, ac := key(a)
		bl, bc := key(b)
		return cmp.Or(cmp.Compare(al, bl), cmp.Compare(ac, bc))
	})
	out := l[:0]
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
	}
	if len(out) > maxErrors {
		last := out[maxErrors-1]
		out = append(out[:maxErrors-1], &Error{File: last.File, Pos: last.Pos, Msg: fmt.Sprintf("too many errors (%d); stopping here", len(out))})
	}
	return out
}

// suggest returns ` (did you mean "x"?)` when one of options is close to
// word, and "" otherwise.
func suggest(word string, options []string) string {
	best, bestDist := "", len(word)/3+1
	if bestDist > 3 {
		bestDist = 3
	}
	for _, o := range options {
		if d := editDistance(word, o); d <= bestDist && (best == "" || d < editDistance(word, best)) {
			best = o
		}
	}
	if best == "" || best == word {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes; it
// gives up (returning a large number) on long strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// oneOf formats options as `a, b or c`.
func oneOf(options []string) string {
	switch len(options) {
	case 0:
		return ""
	case 1:
		return options[0]
	}
	return strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
}

// andList formats items as `a, b and c`.
func andList(items []string) string {
	if len(items) < 2 {
		return oneOf(items)
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// lookupPos returns the position recorded for path, or for its nearest
// recorded ancestor.
func lookupPos(pos map[string]Pos, path string) Pos {
	for path != "" {
		if p, ok := pos[path]; ok {
			return p
		}
		path = parentPath(path)
	}
	return Pos{}
}

// parentPath strips the last element of a YAML path: "$.a.b[2]" gives
// "$.a.b", "$.a.b" gives "$.a", "$" gives "".
func parentPath(path string) string {
	if path == "$" || path == "" {
		return ""
	}
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i > 0 {
			return path[:i]
		}
	}
	// The last element may be a quoted key holding dots or brackets.
	if strings.HasSuffix(path, "'") {
		for i := len(path) - 2; i > 0; i-- {
			if path[i] == '\'' && path[i-1] == '.' && (i < 2 || path[i-2] != '\\') {
				return path[:i-1]
			}
		}
	}
	if i := strings.LastIndexByte(path, '.'); i > 0 {
		return path[:i]
	}
	return "$"
}

// childPath returns path extended with a map key, quoted as goccy/go-yaml's
// YAMLPath quotes keys holding special characters.
func childPath(path, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]*$'\\ \t\n\"&@,:{}") {
		key = "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(key) + "'"
	}
	return path + "." + key
}

// indexPath returns path extended with a sequence index.
func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// maxExcerpt is how many characters of the offending line an excerpt
// shows at most, around the column.
const maxExcerpt = 100

// Excerpt shows where e is, as compilers do: the offending line with its
// number, and under it a caret at the column, underlining the value or
// key that starts there:
//
//	14 |   - ping: {from: a, to: "::1"}
//	   |                         ^~~~~
//
// It returns "" when e has no position or no source line. Control
// characters in the line are shown as '?', so that a lab file cannot
// write to the terminal; long lines are cut around the column.
func (e *Error) Excerpt() string {
	if !e.Pos.IsValid() || e.Line == "" && e.Pos.Column > 1 {
		return ""
	}
	runes := []rune(e.Line)
	for i, r := range runes {
		if r == utf8.RuneError || r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			runes[i] = '?'
		}
	}
	col := min(max(e.Pos.Column-1, 0), len(runes)) // 0-based
	width := tokenWidth(runes[col:])
	if e.point {
		width = 1
	}
	start, end := 0, len(runes)
	var pre, post string
	if end > maxExcerpt {
		start = max(0, col-maxExcerpt/2)
		end = min(len(runes), start+maxExcerpt)
		start = max(0, min(start, end-maxExcerpt))
		if start > 0 {
			pre = "…"
		}
		if end < len(runes) {
			post = "…"
		}
	}
	marker := make([]rune, 0, col-start+1)
	if pre != "" {
		marker = append(marker, ' ')
	}
	for _, r := range runes[start:col] {
		if r == '\t' {
			marker = append(marker, '\t')
		} else {
			marker = append(marker, ' ')
		}
	}
	underline := "^"
	if width > 1 {
		underline += strings.Repeat("~", min(width, end-col)-1)
	}
	num := strconv.Itoa(e.Pos.Line)
	gutter := strings.Repeat(" ", len(num))
	return fmt.Sprintf(" %s | %s%s%s\n %s | %s%s", num, pre, string(runes[start:end]), post, gutter, string(marker), underline)
}

// tokenWidth guesses how many characters the YAML token at the start of s
// spans: a quoted string to its closing quote, a key to its colon, a plain
// value to the end of the flow item or of the line. A collection's opening
// bracket is one character.
func tokenWidth(s []rune) int {
	if len(s) == 0 {
		return 1
	}
	switch s[0] {
	case '{', '[', '|', '>':
		return 1
	case '-', '?':
		if len(s) == 1 || s[1] == ' ' || s[1] == '\t' {
			return 1
		}
	case '"', '\'':
		for i := 1; i < len(s); i++ {
			switch {
			case s[0] == '"' && s[i] == '\\':
				i++ // an escaped character
			case s[0] == '\'' && s[i] == '\'' && i+1 < len(s) && s[i+1] == '\'':
				i++ // '' is a quote inside single quotes
			case s[i] == s[0]:
				return i + 1
			}
		}
		return len(s)
	}
	n := 0
	for ; n < len(s); n++ {
		r := s[n]
		if r == ',' || r == ']' || r == '}' ||
			r == ':' && (n+1 == len(s) || s[n+1] == ' ' || s[n+1] == '\t') ||
			r == '#' && n > 0 && (s[n-1] == ' ' || s[n-1] == '\t') {
			break
		}
	}
	for n > 1 && (s[n-1] == ' ' || s[n-1] == '\t') {
		n--
	}
	return max(n, 1)
}

// withLines fills in the Line of every error of err (an *Error or an
// ErrorList) from the source it is about.
func withLines(err error, data []byte) error {
	var lines [][]byte
	fill := func(e *Error) {
		if !e.Pos.IsValid() || e.Line != "" {
			return
		}
		if lines == nil {
			lines = bytes.Split(data, []byte("\n"))
		}
		if e.Pos.Line <= len(lines) {
			e.Line = string(bytes.TrimSuffix(lines[e.Pos.Line-1], []byte("\r")))
		}
	}
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fill(e)
		}
	case errors.As(err, &one):
		fill(one)
	}
	return err
}
