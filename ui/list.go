package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// rows is what a list shows: a number of items, each rendered on demand.
type rows interface {
	// Len is the number of items.
	Len() int
	// Row renders item i in exactly w cells, one string per line of the
	// item (the list's itemH).
	Row(i, w int) []string
	// Text is what the filter matches item i against.
	Text(i int) string
}

// list is the scrollable, filterable body that every table panel shares.
// It renders only the rows that are visible, so a panel of 10,000 sockets
// costs what its visible rows cost. Owned by the UI goroutine.
type list struct {
	env   *env
	src   rows
	itemH int
	// header returns the column header line for width w ("" for none).
	header func(w int) string
	empty  string
	// kernel, when set, is shown instead of empty on a kernel node, which
	// has no netlab stack to show: a format of one %s, its namespace.
	kernel string

	w, h     int
	sel, off int   // positions in the filtered order
	idx      []int // filtered item indices; nil when there is no filter
	query    string
	input    textinput.Model
	typing   bool
	focused  bool
}

func newList(e *env, itemH int, header func(w int) string, empty string) list {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "filter"
	in.SetVirtualCursor(true)
	return list{env: e, itemH: max(itemH, 1), header: header, empty: empty, input: in}
}

func (l *list) setSize(w, h int) {
	l.w, l.h = w, h
	l.input.SetWidth(max(w-2, 1))
	l.clamp()
}

// setRows gives the list new data and re-applies the filter.
func (l *list) setRows(src rows) {
	l.src = src
	l.refilter()
}

func (l *list) refilter() {
	if l.src == nil {
		return
	}
	if l.query == "" {
		l.idx = nil
	} else {
		q := strings.ToLower(l.query)
		l.idx = l.idx[:0]
		for i := 0; i < l.src.Len(); i++ {
			if strings.Contains(strings.ToLower(l.src.Text(i)), q) {
				l.idx = append(l.idx, i)
			}
		}
	}
	l.clamp()
}

// count is the number of items shown (after the filter).
func (l *list) count() int {
	if l.src == nil {
		return 0
	}
	if l.idx != nil || l.query != "" {
		return len(l.idx)
	}
	return l.src.Len()
}

func (l *list) item(pos int) int {
	if l.idx != nil || l.query != "" {
		return l.idx[pos]
	}
	return pos
}

// selected returns the index of the selected item, or -1.
func (l *list) selected() int {
	if l.sel < 0 || l.sel >= l.count() {
		return -1
	}
	return l.item(l.sel)
}

// visible is how many items fit.
func (l *list) visible() int {
	h := l.h
	if l.header != nil {
		h--
	}
	if l.typing || l.query != "" {
		h--
	}
	return max(h/l.itemH, 0)
}

func (l *list) clamp() {
	n := l.count()
	l.sel = min(max(l.sel, 0), max(n-1, 0))
	v := max(l.visible(), 1)
	if l.sel < l.off {
		l.off = l.sel
	}
	if l.sel >= l.off+v {
		l.off = l.sel - v + 1
	}
	l.off = min(max(l.off, 0), max(n-v, 0))
}

func (l *list) move(d int) {
	l.sel += d
	l.clamp()
}

// update handles the list's keys and mouse messages; handled reports
// whether msg was the list's.
func (l *list) update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	k := l.env.keys
	switch msg := msg.(type) {
	case clickMsg:
		y := msg.Y
		if l.header != nil {
			y--
		}
		if y >= 0 {
			l.sel = l.off + y/l.itemH
			l.clamp()
		}
		return nil, true
	case scrollMsg:
		l.off += msg.Delta
		n := l.count()
		l.off = min(max(l.off, 0), max(n-l.visible(), 0))
		l.sel = min(max(l.sel, l.off), l.off+max(l.visible()-1, 0))
		l.clamp()
		return nil, true
	case tea.KeyPressMsg:
		if l.typing {
			switch msg.String() {
			case "enter":
				l.typing = false
				l.input.Blur()
			case "esc":
				l.typing = false
				l.input.Blur()
				l.input.SetValue("")
				l.query = ""
				l.refilter()
			default:
				var c tea.Cmd
				l.input, c = l.input.Update(msg)
				l.query = l.input.Value()
				l.refilter()
				return c, true
			}
			return nil, true
		}
		switch {
		case key.Matches(msg, k.Up):
			l.move(-1)
		case key.Matches(msg, k.Down):
			l.move(1)
		case key.Matches(msg, k.PageUp):
			l.move(-max(l.visible(), 1))
		case key.Matches(msg, k.PageDown):
			l.move(max(l.visible(), 1))
		case key.Matches(msg, k.Top):
			l.sel = 0
			l.clamp()
		case key.Matches(msg, k.Bottom):
			l.sel = l.count() - 1
			l.clamp()
		case key.Matches(msg, k.Filter):
			l.typing = true
			l.input.SetValue(l.query)
			l.input.CursorEnd()
			return l.input.Focus(), true
		case key.Matches(msg, k.Clear):
			if l.query == "" {
				return nil, false
			}
			l.query = ""
			l.input.SetValue("")
			l.refilter()
		default:
			return nil, false
		}
		return nil, true
	}
	return nil, false
}

// view renders exactly h lines of w cells.
func (l *list) view() []string {
	st := l.env.styles
	out := make([]string, 0, l.h)
	if l.header != nil {
		out = append(out, st.Header.Render(fit("  "+l.header(l.w-2), l.w)))
	}
	n := l.count()
	v := l.visible()
	if n == 0 {
		msg := l.empty
		if d := l.env.data; l.kernel != "" && d.IsKernel() {
			msg = "a kernel node: no netlab stack, nothing of it here"
			if ns := d.Namespace(); ns != "" {
				msg = fmt.Sprintf(l.kernel, ns)
			}
		}
		if l.query != "" {
			msg = "nothing matches"
		}
		out = append(out, st.Dim.Render(fit("  "+msg, l.w)))
	}
	for p := l.off; p < n && p < l.off+v; p++ {
		i := l.item(p)
		lines := l.src.Row(i, l.w-2)
		for j := 0; j < l.itemH; j++ {
			line := ""
			if j < len(lines) {
				line = lines[j]
			}
			gutter := "  "
			if p == l.sel && j == 0 {
				gutter = "▸ "
			}
			s := gutter + fit(line, l.w-2)
			if p == l.sel && l.focused {
				s = st.Selected.Render(s)
			}
			out = append(out, s)
		}
	}
	for len(out) < l.h-1 {
		out = append(out, "")
	}
	if l.typing {
		out = append(out, fit(l.input.View(), l.w))
	} else if l.query != "" {
		out = append(out, st.Dim.Render(fit(fmt.Sprintf("/%s  (%d of %d, esc clears)", l.query, n, l.src.Len()), l.w)))
	}
	for len(out) < l.h {
		out = append(out, "")
	}
	return out[:l.h]
}

// position says where the list is, for a panel's title: "3/120".
func (l *list) position() string {
	n := l.count()
	if n <= l.visible() {
		return ""
	}
	return fmt.Sprintf("%d/%d", l.sel+1, n)
}
