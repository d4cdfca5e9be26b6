// Automatic layout on Grafana's 24-column grid: panels flow left to right inside titled rows and
// wrap when a line is full, so positions never overlap and no gridPos is written by hand.
local gridWidth = 24;

// `where` names the row, so a mistake in a dashboard's list is reported where it was made.
local place(where, item, state, panel) =
  assert std.isObject(panel) && std.objectHas(panel, 'gridPos') :
         'layout: row %s: item %d is a %s, not a panel (a platform function used without its arguments?)'
         % [where, item, std.type(panel)];
  assert panel.gridPos.w <= gridWidth :
         'layout: row %s: panel %s is %d columns wide; the grid has %d'
         % [where, std.toString(panel.title), panel.gridPos.w, gridWidth];
  local w = panel.gridPos.w, h = panel.gridPos.h;
  local wrap = state.x + w > gridWidth;
  local x = if wrap then 0 else state.x;
  local y = if wrap then state.y + state.lineHeight else state.y;
  state {
    x: x + w,
    y: y,
    lineHeight: if wrap then h else std.max(state.lineHeight, h),
    nextId: state.nextId + 1,
    panels: state.panels + [panel { id: state.nextId, gridPos: { x: x, y: y, w: w, h: h } }],
  };

local startRow(state, title) =
  local y = state.y + state.lineHeight;
  state {
    x: 0,
    y: y + 1,
    lineHeight: 0,
    nextId: state.nextId + 1,
    panels: state.panels + [{
      type: 'row',
      title: title,
      id: state.nextId,
      collapsed: false,
      panels: [],
      gridPos: { x: 0, y: y, w: gridWidth, h: 1 },
    }],
  };

{
  gridWidth:: gridWidth,

  row(title, panels):: { title: title, panels: panels },

  // rows: [row(title, [panel, ...]), ...] → Grafana's flat `panels` array with ids and positions.
  grid(rows)::
    local start = { x: 0, y: 0, lineHeight: 0, nextId: 1, panels: [] };
    std.foldl(
      function(state, row) std.foldl(
        function(inner, i) place(std.escapeStringJson(row.title), i + 1, inner, row.panels[i]),
        std.range(0, std.length(row.panels) - 1),
        startRow(state, row.title),
      ),
      rows,
      start,
    ).panels,
}
