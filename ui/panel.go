package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// Panel is one box of the screen. The root model sizes, focuses and feeds
// it; a panel never touches the world itself: its actions are tea.Cmds
// (see actions.go), and forms it opens go through env.
type Panel interface {
	// Title names the panel ("Interfaces · a").
	Title() string
	// SetData gives the panel the latest tick's data.
	SetData(d *Data)
	// Update handles a key (when the panel is focused) or a mouse message
	// translated to the panel (clickMsg, scrollMsg).
	Update(msg tea.Msg) tea.Cmd
	// View renders the panel's content, exactly w×h cells as SetSize set.
	View() string
	// SetSize sets the content size (inside the border).
	SetSize(w, h int)
	Focus()
	Blur()
	// Keys are the panel's own keys, for the help bar and for routing.
	Keys() []key.Binding
	// Capturing reports that the panel takes every key (typing a filter,
	// showing a detail view).
	Capturing() bool
}

// clickMsg is a mouse click at (X, Y) relative to the panel's content.
type clickMsg struct{ X, Y int }

// scrollMsg scrolls a panel by Delta rows.
type scrollMsg struct{ Delta int }

// Data is what one tick reads from the world: plain values, immutable
// once built.
type Data struct {
	Lab   *labs.Lab
	Clock run.ClockState
	// Nodes are the stack and kernel nodes' names, in lab order; Kinds
	// their kinds; Stacks the stacks' snapshots (nil for a kernel node)
	// and Kernels what the last read of a kernel node's devices found (nil
	// for a stack), in the same order; Node the index of the node the
	// person looks at.
	Nodes []string
	Kinds []labs.NodeKind
	// Namespaces are the kernel nodes' network namespaces ("" for a
	// stack), in the same order.
	Namespaces []string
	Stacks     []*snapshot.Stack
	Kernels    []*KernelData
	Node       int
	// Links are the lab's links with their counters, in lab order;
	// Switches the lab's switches with their ports and MAC tables.
	Links    []LinkData
	Switches []mem.SwitchStats
	// Steps are the lab's steps with their status; Report the run's
	// report once every step has run.
	Steps  []run.StepResult
	Report *run.Report
	// Tick counts refreshes.
	Tick uint64
}

// LinkData is one link as the Links panel shows it.
type LinkData struct {
	ID   string
	A, B string
	// Type is the lab's link type (labs.LinkPipe, labs.LinkTAP,
	// labs.LinkTAPPair); Device names a tap link's TAP device and the
	// namespace it is in, or a tap-pair link's two devices and bridge.
	Type   string
	Device string
	Stats  mem.Stats
	// Devices is what the link's TAP drivers counted (zero for a pipe).
	Devices run.DeviceStats
	// Capture is the pcap file the link is being captured to, "" when
	// it is not; Captured the frames written to it so far.
	Capture  string
	Captured uint64
}

// Stack returns the snapshot of the node the person looks at, or an
// empty one.
func (d *Data) Stack() *snapshot.Stack {
	if d == nil || d.Node < 0 || d.Node >= len(d.Stacks) || d.Stacks[d.Node] == nil {
		return &snapshot.Stack{}
	}
	return d.Stacks[d.Node]
}

// Kernel returns what the last read of the node the person looks at
// found when it is a kernel node, nil for a stack.
func (d *Data) Kernel() *KernelData {
	if !d.IsKernel() {
		return nil
	}
	if k := d.Kernels[d.Node]; k != nil {
		return k
	}
	return &KernelData{}
}

// Namespace returns the network namespace of the kernel node the person
// looks at, "" when it is not known.
func (d *Data) Namespace() string {
	if d.IsKernel() && d.Node < len(d.Namespaces) {
		return d.Namespaces[d.Node]
	}
	return ""
}

// IsKernel reports whether the node the person looks at is a kernel node.
func (d *Data) IsKernel() bool {
	return d != nil && d.Node >= 0 && d.Node < len(d.Kinds) && d.Kinds[d.Node] == labs.KindKernel
}

// NodeName returns the name of the node the person looks at.
func (d *Data) NodeName() string {
	if d == nil || d.Node < 0 || d.Node >= len(d.Nodes) {
		return ""
	}
	return d.Nodes[d.Node]
}

// env is what panels share with the root: styles, keys, the world's
// actions, and a way to open a form. Owned by the UI goroutine.
type env struct {
	styles *Styles
	keys   *KeyMap
	act    *actions
	data   *Data
	// form is set by a panel that wants a form opened; the root takes it.
	form *Form
}

func (e *env) open(f *Form) { e.form = f }

// fit pads or truncates s (which may hold ANSI styles) to exactly w
// cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// col formats cells into columns of the given widths, each followed by a
// space; the last column takes what is left of w.
func col(w int, widths []int, cells ...string) string {
	var b strings.Builder
	used := 0
	for i, c := range cells {
		cw := 0
		if i < len(widths) {
			cw = widths[i]
		}
		if i == len(cells)-1 || cw == 0 {
			cw = w - used
		}
		if cw > w-used {
			cw = w - used
		}
		if cw <= 0 {
			break
		}
		b.WriteString(fit(c, cw))
		used += cw
		if used < w && i < len(cells)-1 {
			b.WriteByte(' ')
			used++
		}
	}
	return fit(b.String(), w)
}

// box draws a frame of exactly w×h cells around lines, with the title in
// its top edge. The focused panel has a heavy frame and a marked title, so
// that focus reads without colour.
func box(st *Styles, title string, lines []string, w, h int, focused bool) string {
	if w < 2 || h < 2 {
		return ""
	}
	tl, tr, bl, br, hz, vt := "╭", "╮", "╰", "╯", "─", "│"
	bs, ts := st.Border, st.PanelTitle
	if focused {
		tl, tr, bl, br, hz, vt = "┏", "┓", "┗", "┛", "━", "┃"
		bs, ts = st.FocusBorder, st.FocusTitle
		title = "▶ " + title
	}
	inner := w - 2
	t := " " + title + " "
	if ansi.StringWidth(t) > inner-1 {
		t = ansi.Truncate(t, max(inner-1, 0), "…")
	}
	top := bs.Render(tl+hz) + ts.Render(t) + bs.Render(strings.Repeat(hz, max(inner-1-ansi.StringWidth(t), 0))+tr)
	var b strings.Builder
	b.WriteString(top)
	left, right := bs.Render(vt), bs.Render(vt)
	for i := 0; i < h-2; i++ {
		b.WriteByte('\n')
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		b.WriteString(left)
		b.WriteString(fit(line, inner))
		b.WriteString(right)
	}
	b.WriteByte('\n')
	b.WriteString(bs.Render(bl + strings.Repeat(hz, inner) + br))
	return b.String()
}
