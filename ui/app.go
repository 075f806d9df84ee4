// Package ui is netlab's terminal UI, built with Bubble Tea v2: a root
// model that lays out and routes messages to one model per panel.
//
// Everything here runs on the UI goroutine. The stacks reach it as
// immutable snapshots read on a tick (never a message per packet); every
// action leaves as a tea.Cmd that calls netifapi, sockets or the world's
// control calls on another goroutine and comes back as a message, so
// Update never blocks.
package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/pitfalls"
	"github.com/netlab/netlab/labs/run"
)

// Minimum terminal size.
const (
	MinWidth  = 60
	MinHeight = 16
)

// Options configure the TUI.
type Options struct {
	// Rebuild builds and starts a new world of the same lab (the rerun
	// key); nil turns rerun off.
	Rebuild func() (*run.World, error)
	// Tick is how often the UI reads the world (0: 100ms; negative: never,
	// for tests that call Refresh themselves).
	Tick time.Duration
	// NoColor renders without colours (NO_COLOR, golden tests).
	NoColor bool
	// NoMouse leaves the mouse to the terminal.
	NoMouse bool
}

// tickMsg asks for a refresh.
type tickMsg struct{}

// panel ids, in focus (tab) order.
const (
	pInterfaces = iota
	pTimers
	pSockets
	pARP
	pRoutes
	pDHCP
	pLinks
	pEvents
	pLab
	nPanels
)

// rect is a panel's place on the screen (its frame included).
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// App is the root model: it owns the panels, reads the world on a tick,
// lays the panels out, routes keys to the focused panel and mouse events
// to the panel under the pointer, and shows forms, help and the status.
type App struct {
	opts   Options
	world  *run.World
	styles Styles
	keys   KeyMap
	env    *env
	panels [nPanels]Panel
	rects  [nPanels]rect
	shown  [nPanels]bool
	focus  int
	node   int
	data   *Data
	tick   uint64

	w, h     int
	form     *Form
	showHelp bool
	help     help.Model
	status   string
	statusOK bool
	// failed is why the TUI quit on its own: a stack's tcpip goroutine
	// or another of netlab's goroutines panicked (Err).
	failed error
	// pit is the Pitfalls view, shown instead of the panels while open;
	// pitCmd its first exploration when it opened before Init.
	pit    *pitfallsView
	pitCmd tea.Cmd
	// kernel is the last read of the kernel nodes' devices, by node;
	// kernelAt when the next read was asked for, kernelBusy while it runs;
	// readKernel reads one node (tests replace it).
	kernel     map[string]*KernelData
	kernelAt   time.Time
	kernelBusy bool
	readKernel func(w *run.World, node string) ([]KernelLink, error)
}

// New returns the TUI of a started world.
func New(w *run.World, o Options) *App {
	a := &App{opts: o, world: w, styles: NewStyles(!o.NoColor), keys: DefaultKeyMap(), readKernel: readKernelLinks}
	a.env = &env{styles: &a.styles, keys: &a.keys, act: &actions{world: w, build: o.Rebuild}}
	a.pit = newPitfallsView(&a.styles, &a.keys)
	e := a.env
	a.panels = [nPanels]Panel{
		pInterfaces: newInterfacesPanel(e),
		pTimers:     newTimersPanel(e),
		pSockets:    newSocketsPanel(e),
		pARP:        newARPPanel(e),
		pRoutes:     newRoutesPanel(e),
		pDHCP:       newDHCPPanel(e),
		pLinks:      newLinksPanel(e),
		pEvents:     newEventsPanel(e),
		pLab:        newLabPanel(e),
	}
	a.help = help.New()
	a.help.Styles.ShortKey = a.styles.Help.Bold(true)
	a.help.Styles.ShortDesc = a.styles.Help
	a.help.Styles.ShortSeparator = a.styles.Help
	a.help.Styles.FullKey = a.styles.Help.Bold(true)
	a.help.Styles.FullDesc = a.styles.Help
	a.help.Styles.FullSeparator = a.styles.Help
	a.panels[a.focus].Focus()
	a.status = "ready: tab moves between panels, ? shows every key"
	a.statusOK = true
	a.Refresh()
	return a
}

// Err returns why the TUI quit on its own, nil after a quit the person
// asked for: a *core.PanicError when a stack's tcpip goroutine panicked,
// a *crash.Panic when another of netlab's goroutines did.
func (a *App) Err() error { return a.failed }

// failure returns the first stack of the world whose tcpip goroutine
// panicked (core.Stack.Err), or else the panic of another of netlab's
// goroutines (crash.Err), nil if none.
func (a *App) failure() error {
	if err := crash.Err(); err != nil {
		return err
	}
	if a.world == nil {
		return nil
	}
	for _, n := range a.world.Nodes {
		if n.Stack != nil {
			if err := n.Stack.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// World returns the world the TUI shows now (a rerun replaces it).
func (a *App) World() *run.World { return a.world }

// Init starts the tick, the first read of the kernel nodes and, when
// the options open the Pitfalls view, its first exploration.
func (a *App) Init() tea.Cmd {
	return tea.Batch(a.tickCmd(), a.kernelCmd(), a.pitCmd)
}

// ShowPitfall opens the Pitfalls view on the unsafe (safe false) or safe
// version of the pitfall named (or numbered) name; it returns the
// command that explores it (Init runs it when called before the program
// starts).
func (a *App) ShowPitfall(name string, safe bool) (tea.Cmd, error) {
	if _, err := pitfalls.Lookup(name); err != nil {
		return nil, err
	}
	a.pit.safe = safe
	cmd, err := a.openPitfalls(name)
	a.pitCmd = cmd
	return cmd, err
}

// openPitfalls opens the Pitfalls view on the pitfall named name, or the
// last one shown when name is "".
func (a *App) openPitfalls(name string) (tea.Cmd, error) {
	cmd, err := a.pit.show(name)
	if err != nil {
		return nil, err
	}
	a.status, a.statusOK = "Pitfalls: the lab runs on behind this view; esc goes back to it", true
	return cmd, nil
}

// kernelCmd reads the kernel nodes' devices off the UI goroutine, when
// the world has kernel nodes, no read runs and the last is kernelEvery
// old; nil otherwise.
func (a *App) kernelCmd() tea.Cmd {
	if a.kernelBusy || time.Since(a.kernelAt) < kernelEvery {
		return nil
	}
	cmd := readKernelCmd(a.world, a.readKernel)
	if cmd != nil {
		a.kernelBusy, a.kernelAt = true, time.Now()
	}
	return cmd
}

func (a *App) tickCmd() tea.Cmd {
	d := a.opts.Tick
	if d < 0 {
		return nil
	}
	if d == 0 {
		d = 100 * time.Millisecond
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{} })
}

// Refresh reads the world (snapshots, link counters, steps, clock) and
// hands the panels the result. It never blocks.
func (a *App) Refresh() {
	a.tick++
	d := &Data{Tick: a.tick, Node: a.node}
	if w := a.world; w != nil {
		d.Lab = w.Lab
		d.Clock = w.ClockState()
		for _, n := range w.Nodes {
			switch {
			case n.Stack != nil:
				d.Nodes, d.Kinds = append(d.Nodes, n.Name), append(d.Kinds, n.Kind)
				d.Stacks, d.Kernels = append(d.Stacks, n.Stack.Snapshot()), append(d.Kernels, nil)
				d.Namespaces = append(d.Namespaces, "")
			case n.Kind == labs.KindKernel:
				d.Nodes, d.Kinds = append(d.Nodes, n.Name), append(d.Kinds, n.Kind)
				d.Stacks, d.Kernels = append(d.Stacks, nil), append(d.Kernels, a.kernel[n.Name])
				d.Namespaces = append(d.Namespaces, namespaceOf(w, n.Name))
			}
		}
		stats, devices := w.LinkStats(), w.DeviceStats()
		capturing := map[string]run.CaptureStatus{}
		for _, c := range w.Captures() {
			capturing[c.Link] = c
		}
		for i, l := range w.Links {
			ld := LinkData{ID: l.ID, A: l.Spec.A.String(), B: l.Spec.B.String(), Type: l.Spec.Type, Stats: stats[i], Devices: devices[i]}
			if ld.Type == "" {
				ld.Type = labs.LinkPipe
			}
			switch {
			case l.PeerDevice != "":
				// "t1a, t1b on bridge b1 in netns …"
				first, where, _ := strings.Cut(l.Device, " ")
				second, _, _ := strings.Cut(l.PeerDevice, " ")
				ld.Device = first + ", " + second + " " + where
			case l.Device != "":
				ld.Device = l.Device
			}
			if c, ok := capturing[l.ID]; ok {
				ld.Capture, ld.Captured = c.Path, c.Stats.Written
			}
			d.Links = append(d.Links, ld)
		}
		for _, n := range w.Nodes {
			if n.Switch != nil {
				d.Switches = append(d.Switches, n.Switch.Stats())
			}
		}
		d.Steps = w.Steps()
		d.Report = w.Report()
	}
	a.setData(d)
}

// setData gives every panel d. Tests and benchmarks use it directly.
func (a *App) setData(d *Data) {
	if d.Node >= len(d.Nodes) {
		d.Node = max(len(d.Nodes)-1, 0)
	}
	a.node = d.Node
	a.data = d
	a.env.data = d
	for _, p := range a.panels {
		p.SetData(d)
	}
}

// selectNode shows node i.
func (a *App) selectNode(i int) {
	if a.data == nil || i < 0 || i >= len(a.data.Nodes) {
		return
	}
	d := *a.data
	d.Node = i
	a.setData(&d)
}

func (a *App) setFocus(i int) {
	a.panels[a.focus].Blur()
	a.focus = (i + nPanels) % nPanels
	a.panels[a.focus].Focus()
	if !a.wide() {
		a.layout()
	}
}

// focusNext moves focus dir panels on, skipping hidden ones.
func (a *App) focusNext(dir int) {
	for i := 1; i <= nPanels; i++ {
		j := (a.focus + dir*i + nPanels*2) % nPanels
		if a.shown[j] || !a.anyShown() {
			a.setFocus(j)
			return
		}
	}
}

func (a *App) anyShown() bool {
	for _, s := range a.shown {
		if s {
			return true
		}
	}
	return false
}

// Update routes a message: ticks refresh, results go to the status line,
// keys to the open form, else to the focused panel when it binds them,
// else to the global keys; mouse events go to the panel under the pointer.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.w, a.h = msg.Width, msg.Height
		a.layout()
		return a, nil
	case tickMsg:
		a.Refresh()
		if err := a.failure(); err != nil {
			// The stack has stopped: quit, so that the terminal is
			// restored and the command can say what happened.
			a.failed = err
			return a, tea.Quit
		}
		if p := a.env.act.Progress(); p != "" {
			a.status, a.statusOK = p, true
		}
		return a, tea.Batch(a.tickCmd(), a.kernelCmd())
	case kernelMsg:
		a.kernelBusy = false
		if msg.world == a.world {
			a.kernel = msg.nodes
			a.Refresh()
		}
		return a, nil
	case pitfallMsg:
		return a, a.pit.done(msg)
	case resultMsg:
		a.env.act.progress.Store(nil)
		a.setResult(msg)
		a.Refresh()
		return a, nil
	case worldMsg:
		if msg.Err != nil {
			a.status, a.statusOK = "✘ rerun: "+msg.Err.Error(), false
			return a, nil
		}
		a.world = msg.World
		a.env.act.world = msg.World
		a.kernel, a.kernelAt = nil, time.Time{}
		a.status, a.statusOK = "✔ rerun: a new world of "+msg.World.Lab.Name+" is running", true
		a.resetPanels()
		a.Refresh()
		return a, nil
	case tea.KeyPressMsg:
		return a, a.key(msg)
	case tea.MouseClickMsg:
		m := msg.Mouse()
		if a.form != nil || a.showHelp {
			return a, nil
		}
		if a.pit.open {
			if m.Button == tea.MouseLeft {
				return a, a.pit.click(m.X, m.Y-a.bodyTop())
			}
			return a, nil
		}
		if i, r, ok := a.panelAt(m.X, m.Y); ok {
			a.setFocus(i)
			if m.Button == tea.MouseLeft {
				return a, a.send(i, clickMsg{X: m.X - r.x - 1, Y: m.Y - r.y - 1})
			}
		}
		return a, nil
	case tea.MouseWheelMsg:
		m := msg.Mouse()
		d := 3
		if m.Button == tea.MouseWheelUp {
			d = -3
		}
		if a.pit.open {
			a.pit.scrollBy(d)
			return a, nil
		}
		if i, _, ok := a.panelAt(m.X, m.Y); ok {
			return a, a.send(i, scrollMsg{Delta: d})
		}
		return a, nil
	}
	if a.form != nil {
		_, cmd := a.form.Update(msg, &a.keys)
		return a, cmd
	}
	return a, a.send(a.focus, msg)
}

// resetPanels starts every panel over (a new world).
func (a *App) resetPanels() {
	e := a.env
	a.panels = [nPanels]Panel{
		pInterfaces: newInterfacesPanel(e),
		pTimers:     newTimersPanel(e),
		pSockets:    newSocketsPanel(e),
		pARP:        newARPPanel(e),
		pRoutes:     newRoutesPanel(e),
		pDHCP:       newDHCPPanel(e),
		pLinks:      newLinksPanel(e),
		pEvents:     newEventsPanel(e),
		pLab:        newLabPanel(e),
	}
	a.panels[a.focus].Focus()
	a.layout()
}

// send gives msg to panel i and opens the form it asked for, if any.
func (a *App) send(i int, msg tea.Msg) tea.Cmd {
	cmd := a.panels[i].Update(msg)
	if a.env.form != nil {
		a.form, a.env.form = a.env.form, nil
	}
	return cmd
}

func (a *App) setResult(r resultMsg) {
	if r.Err != nil {
		a.status, a.statusOK = "✘ "+r.What+": "+r.Err.Error(), false
		return
	}
	a.status, a.statusOK = "✔ "+r.What, true
	if r.Detail != "" {
		a.status += ": " + r.Detail
	}
}

// key handles a key press.
func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := &a.keys
	if a.form != nil {
		done, cmd := a.form.Update(msg, k)
		if done {
			a.form = nil
		}
		return cmd
	}
	if a.showHelp {
		if key.Matches(msg, k.Quit) && msg.String() == "ctrl+c" {
			return tea.Quit
		}
		a.showHelp = false
		return nil
	}
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if a.pit.open {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help):
			a.showHelp = true
			return nil
		}
		cmd := a.pit.update(msg)
		if !a.pit.open {
			a.status, a.statusOK = "back to the lab: ! opens the Pitfalls view again", true
		}
		return cmd
	}
	p := a.panels[a.focus]
	if p.Capturing() || matchesAny(msg, p.Keys()) {
		return a.send(a.focus, msg)
	}
	act := a.env.act
	var cmd tea.Cmd
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		a.showHelp = true
	case key.Matches(msg, k.NextPanel):
		a.focusNext(1)
	case key.Matches(msg, k.PrevPanel):
		a.focusNext(-1)
	case key.Matches(msg, k.PrevNode):
		a.selectNode(a.node - 1)
	case key.Matches(msg, k.NextNode):
		a.selectNode(a.node + 1)
	case key.Matches(msg, k.Node):
		a.selectNode(int(msg.String()[0] - '1'))
	case key.Matches(msg, k.Ping):
		a.form = pingForm(a.env, a.data.NodeName())
	case key.Matches(msg, k.Pause):
		cmd = act.TogglePause()
	case key.Matches(msg, k.Step):
		cmd = act.Step()
	case key.Matches(msg, k.Faster):
		cmd = act.ChangeSpeed(1)
	case key.Matches(msg, k.Slower):
		cmd = act.ChangeSpeed(-1)
	case key.Matches(msg, k.Pitfalls):
		cmd, _ = a.openPitfalls("")
	case key.Matches(msg, k.Rerun):
		a.status, a.statusOK = "… rerunning the lab", true
		cmd = act.Rerun()
	}
	return cmd
}

func matchesAny(msg tea.KeyPressMsg, bs []key.Binding) bool {
	for _, b := range bs {
		if key.Matches(msg, b) {
			return true
		}
	}
	return false
}

// pingForm asks where to ping from node.
func pingForm(e *env, node string) *Form {
	return newForm("Ping from "+node, func(v []string) tea.Cmd {
		to, _ := parseAddr(v[0])
		count, _ := parseCount(v[1], 1, 100)
		size, _ := parseCount(v[2], 0, 65507)
		return e.act.Ping(node, to, count, size)
	},
		newField("to", "", "10.0.0.1", checkAddr),
		newField("count", "3", "1 to 100", checkCount(1, 100)),
		newField("size", "56", "data bytes, 0 to 65507", checkCount(0, 65507)),
	)
}

// panelAt returns the shown panel under (x, y).
func (a *App) panelAt(x, y int) (int, rect, bool) {
	for i, r := range a.rects {
		if a.shown[i] && r.contains(x, y) {
			return i, r, true
		}
	}
	return 0, rect{}, false
}

// wide reports whether every panel fits on the screen at once.
func (a *App) wide() bool { return a.w >= 120 && a.h >= 36 }

// layout places the panels: all of them in two columns on a wide
// terminal, else the focused one alone under a bar of panel names.
func (a *App) layout() {
	a.shown = [nPanels]bool{}
	if a.w < MinWidth || a.h < MinHeight {
		return
	}
	top := 1         // header
	bodyH := a.h - 3 // header, status, help
	if a.wide() {
		lw := a.w * 3 / 5
		rw := a.w - lw
		a.column(0, lw, top, bodyH, []int{pInterfaces, pSockets, pEvents}, []int{30, 30, 40})
		a.column(lw, rw, top, bodyH, []int{pTimers, pARP, pRoutes, pDHCP, pLinks, pLab}, []int{20, 14, 14, 14, 14, 24})
	} else {
		top++ // the bar of panel names
		for i := range a.rects {
			a.rects[i] = rect{0, top, a.w, bodyH - 1}
		}
		a.shown[a.focus] = true
	}
	for i, p := range a.panels {
		r := a.rects[i]
		p.SetSize(r.w-2, r.h-2)
	}
}

// column stacks panels ids in a column, sharing h by percents.
func (a *App) column(x, w, y, h int, ids []int, pct []int) {
	used := 0
	for j, id := range ids {
		ph := h * pct[j] / 100
		if j == len(ids)-1 {
			ph = h - used
		}
		a.rects[id] = rect{x, y + used, w, ph}
		a.shown[id] = true
		used += ph
	}
}

// View renders the screen.
func (a *App) View() tea.View {
	v := tea.NewView(a.Render())
	v.AltScreen = true
	if !a.opts.NoMouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	v.WindowTitle = "netlab"
	if a.data != nil && a.data.Lab != nil {
		v.WindowTitle = "netlab · " + a.data.Lab.Name
	}
	return v
}

// Render renders the screen as a string of exactly the terminal's size.
func (a *App) Render() string {
	if a.w < MinWidth || a.h < MinHeight {
		msg := fmt.Sprintf("terminal too small: need %dx%d, have %dx%d", MinWidth, MinHeight, a.w, a.h)
		return lipgloss.Place(max(a.w, 1), max(a.h, 1), lipgloss.Center, lipgloss.Center, msg)
	}
	if a.wide() != a.shownWide() {
		a.layout()
	}
	lines := make([]string, 0, a.h)
	lines = append(lines, a.header())
	var body []string
	switch {
	case a.pit.open:
		body = a.pit.render(a.w, a.h-3)
	case !a.wide():
		lines = append(lines, a.panelBar())
		body = a.body()
	default:
		body = a.body()
	}
	if a.showHelp {
		body = a.overlay(body, a.fullHelp())
	} else if a.form != nil {
		body = a.overlay(body, a.form.View(&a.styles, min(a.w-4, 72)))
	}
	lines = append(lines, body...)
	lines = append(lines, a.statusLine(), a.helpBar())
	for i := range lines {
		lines[i] = fit(lines[i], a.w)
	}
	return strings.Join(lines, "\n")
}

func (a *App) shownWide() bool {
	n := 0
	for _, s := range a.shown {
		if s {
			n++
		}
	}
	return n > 1
}

// body renders the panels' area as lines.
func (a *App) body() []string {
	top := 1
	if !a.wide() {
		top = 2
	}
	bodyH := a.h - top - 2
	grid := make([][]string, bodyH)
	for i := range grid {
		grid[i] = nil
	}
	// Panels are placed in columns; render each and lay its lines at its
	// rect, left to right.
	type placed struct {
		r     rect
		lines []string
	}
	var ps []placed
	for i, p := range a.panels {
		if !a.shown[i] {
			continue
		}
		r := a.rects[i]
		s := box(&a.styles, p.Title(), strings.Split(p.View(), "\n"), r.w, r.h, i == a.focus)
		ps = append(ps, placed{r, strings.Split(s, "\n")})
	}
	// Sort by x so that lines join left to right.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].r.x < ps[j-1].r.x; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	for _, p := range ps {
		for j, l := range p.lines {
			y := p.r.y - top + j
			if y >= 0 && y < bodyH {
				grid[y] = append(grid[y], l)
			}
		}
	}
	out := make([]string, bodyH)
	for i, parts := range grid {
		out[i] = strings.Join(parts, "")
	}
	return out
}

// overlay draws box (lines) centred over body.
func (a *App) overlay(body []string, box string) []string {
	bl := strings.Split(box, "\n")
	bw := 0
	for _, l := range bl {
		bw = max(bw, lipgloss.Width(l))
	}
	y0 := max((len(body)-len(bl))/2, 0)
	x0 := max((a.w-bw)/2, 0)
	for i, l := range bl {
		y := y0 + i
		if y >= len(body) {
			break
		}
		row := fit(body[y], a.w)
		left := cut(row, 0, x0)
		right := cut(row, x0+bw, a.w)
		body[y] = left + fit(l, bw) + right
	}
	return body
}

// header is the top line: lab, clock, node tabs.
func (a *App) header() string {
	st := &a.styles
	d := a.data
	name := "netlab"
	if d != nil && d.Lab != nil {
		name += " · " + d.Lab.Name
	}
	var clk string
	if d != nil {
		c := d.Clock
		switch {
		case !c.Virtual:
			clk = "real " + fmtClock(c.Now) + " ▶ running"
		case c.Stepping:
			clk = "virtual " + fmtClock(c.Now) + " ⏭ stepping " + speedString(c.Speed)
		case c.Paused:
			clk = "virtual " + fmtClock(c.Now) + " ⏸ paused " + speedString(c.Speed)
		default:
			clk = "virtual " + fmtClock(c.Now) + " ▶ running " + speedString(c.Speed)
		}
	}
	var tabs []string
	if d != nil {
		for i, n := range d.Nodes {
			if i < len(d.Kinds) && d.Kinds[i] == labs.KindKernel {
				n += " (kernel)"
			}
			t := fmt.Sprintf(" %d:%s ", i+1, n)
			if i == d.Node {
				tabs = append(tabs, st.ActiveTab.Render(fmt.Sprintf("[%d:%s]", i+1, n)))
			} else {
				tabs = append(tabs, st.Tab.Render(t))
			}
		}
	}
	left := " " + st.Title.Render(name) + "   " + st.Clock.Render(clk)
	right := strings.Join(tabs, " ") + " "
	gap := a.w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return fit(left+" "+right, a.w)
	}
	return left + strings.Repeat(" ", gap) + right
}

// panelBar names the panels in the narrow layout, the focused one marked.
func (a *App) panelBar() string {
	var parts []string
	for i, p := range a.panels {
		t := strings.SplitN(p.Title(), " · ", 2)[0]
		if i == a.focus {
			parts = append(parts, a.styles.ActiveTab.Render("["+t+"]"))
		} else {
			parts = append(parts, a.styles.Tab.Render(" "+t+" "))
		}
	}
	// Drop names from the left until the focused one fits.
	for first := 0; first < a.focus; first++ {
		if ansiWidth(strings.Join(parts[first:a.focus+1], "")) < a.w-2 {
			if first > 0 {
				return " …" + strings.Join(parts[first:], "")
			}
			break
		}
	}
	return " " + strings.Join(parts, "")
}

func (a *App) statusLine() string {
	s := a.status
	if n := a.env.act.inflight.Load(); n > 0 {
		s = fmt.Sprintf("… %d action(s) running · ", n) + s
	}
	if a.statusOK {
		return " " + a.styles.Status.Render(s)
	}
	return " " + a.styles.Err.Render(s)
}

// helpBar shows the focused panel's keys, then the global ones, and
// always "? all keys" and "q quit": when the line is too narrow for every
// key, the global keys go first (the least used first, "tab next panel"
// last of all), then the panel's own from the last.
func (a *App) helpBar() string {
	k := a.keys
	if a.form != nil {
		return a.fitHelp(nil, []key.Binding{k.Submit, k.NextField, k.Cancel})
	}
	if a.pit.open {
		// esc (back to the lab) first, then the rest in their order.
		own := a.pit.keyBindings()
		prio := []int{len(own) - 1}
		for i := range own[:len(own)-1] {
			prio = append(prio, i)
		}
		return a.fitHelp(own, []key.Binding{k.Help, k.Quit}, prio...)
	}
	var own []key.Binding
	for _, b := range a.panels[a.focus].Keys() {
		switch b.Help().Key {
		case "↑/k", "↓/j", "pgup", "pgdn", "g", "G", "esc":
			continue // in the full help
		}
		own = append(own, b)
	}
	// Shown in this order; kept by priority (kept[i] says whether).
	shown := append(own, k.NextPanel, k.PrevNode, k.NextNode, k.Ping, k.Pause, k.Step, k.Faster, k.Slower)
	n := len(own)
	prio := make([]int, 0, len(shown)) // indexes into shown, most wanted first
	prio = append(prio, n)             // tab
	for i := range own {
		prio = append(prio, i)
	}
	// pause, step, ping, ←, →, +, -.
	prio = append(prio, n+4, n+5, n+3, n+1, n+2, n+6, n+7)
	return a.fitHelp(shown, []key.Binding{k.Help, k.Quit}, prio...)
}

// fitHelp renders the help line: shown's keys in their order, as many
// as fit by prio (indexes into shown, most wanted first; none: all in
// order), then always.
func (a *App) fitHelp(shown, always []key.Binding, prio ...int) string {
	if len(prio) == 0 {
		for i := range shown {
			prio = append(prio, i)
		}
	}
	a.help.SetWidth(0)
	width := a.w - 1
	for keep := len(prio); keep >= 0; keep-- {
		want := make([]bool, len(shown))
		for _, i := range prio[:keep] {
			want[i] = true
		}
		var bs []key.Binding
		for i, b := range shown {
			if want[i] {
				bs = append(bs, b)
			}
		}
		bs = append(bs, always...)
		if v := a.help.ShortHelpView(bs); ansiWidth(v) <= width || keep == 0 {
			return " " + v
		}
	}
	return ""
}

// fullHelp is the ? overlay: every key, by where it works.
func (a *App) fullHelp() string {
	k := a.keys
	groups := []struct {
		name string
		keys []key.Binding
	}{
		{"everywhere", k.globalKeys()},
		{"lists", k.listKeys()},
		{"interfaces", []key.Binding{k.Add, k.Remove, k.Address, k.MTU, k.AdminToggle, k.LinkToggle, k.Forwarding,
			k.DHCPStart, k.DHCPStop, k.DHCPRenew, k.DHCPRelease, k.DHCPInform}},
		{"dhcp", []key.Binding{k.ServerStart, k.ServerStop}},
		{"routes", []key.Binding{k.Add, k.Remove, k.Forwarding}},
		{"sockets", []key.Binding{k.Add, k.Listen, k.Dial, k.Bind, k.Connect, k.Send, k.Remove, k.Reset}},
		{"links", []key.Binding{k.Impair, k.Capture}},
		{"events", []key.Binding{k.PauseLog, k.Detail}},
		{"pitfalls", append([]key.Binding{k.Pitfalls}, a.pit.keyBindings()...)},
		{"forms", []key.Binding{k.Submit, k.NextField, k.PrevField, k.Cancel}},
	}
	// Each group on its lines: its name, then its keys, wrapped between
	// two keys (a key wider than the line is cut).
	w := min(a.w-4, 110)
	var wrapped []string
	for _, g := range groups {
		line := fit(g.name, 11)
		n := 0 // keys on the line
		for _, b := range g.keys {
			h := b.Help()
			part := h.Key + " " + h.Desc
			if n > 0 && ansiWidth(line)+3+ansiWidth(part) > w-4 {
				wrapped = append(wrapped, line+" ·")
				line, n = strings.Repeat(" ", 11), 0
			}
			if n > 0 {
				line += " ·"
			}
			line += " " + part
			n++
		}
		wrapped = append(wrapped, line)
	}
	wrapped = append(wrapped, "", "any key closes this help")
	return box(&a.styles, "Keys", padLines(wrapped, w-3), w, len(wrapped)+2, true)
}

// Snapshot returns the data of the last refresh (tests).
func (a *App) Snapshot() *Data { return a.data }

// bodyTop is the screen row where the body starts: under the header, and
// under the bar of panel names in the narrow layout.
func (a *App) bodyTop() int {
	if a.pit.open || a.wide() {
		return 1
	}
	return 2
}
