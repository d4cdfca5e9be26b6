// JVM and system: scrape targets, heap, threads, garbage collection, database pools and hosts of
// the selected services. Heap usage and targets come from measures.jvm and measures.targets.
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local patterns = import 'patterns.libsonnet';
local q = import 'queries.libsonnet';

local sel = config.selectors;
local th = config.thresholds;
local target = panels.target;
local levelsText = patterns.levelsText;
local perInstance = patterns.perInstance;
local jvm = m.jvm;
local up = m.targets.up([sel.serviceJob]);
local gcPause = jvm.gcPause.scoped([sel.service]);
// Of the selected services.
local selected(metric) = q.selector(metric, [sel.service]);

// A dial per service: its worst instance's heap usage.
local heapGauges(title, width) = panels.gauge(
  title=title,
  description='Heap in use as a share of the heap limit (-Xmx), per service: its worst instance, so one '
              + 'replica near its limit shows. In use counts every heap pool (G1 Eden, Survivor and Old '
              + 'Gen); the limit is the pools that have one (max = -1 left out). '
              + levelsText(th.heapUsage, 100, '%'),
  unit='percentunit',
  targets=[target(jvm.worstHeapUsage([sel.service], ['application']), '{{application}}')],
  thresholds=panels.thresholds.levels(th.heapUsage),
  min=0,
  max=1,
  decimals=1,
  width=width,
);

panels.keyed({
  servicesUp: panels.stat(
    title='🖥️ Services up',
    description='Selected services whose every instance Prometheus reached on its last scrape ("fully up"), '
                + 'beside the number of selected services: one replica down while its siblings run makes '
                + 'the first number smaller. The status table below names the instance that is down.',
    unit='short',
    targets=[
      target(q.orZero('count(' + q.min(up, ['job']) + ' == 1)', 'up', [sel.serviceJob]), 'fully up'),
      target('count(' + q.max(up, ['job']) + ')', 'services'),
    ],
    decimals=0,
  ),

  heapUsageWorst: panels.stat(
    title='💾 Heap memory usage (worst service)',
    description='Heap in use as a share of the heap limit (-Xmx) on the instance closest to its limit, among '
                + 'every instance of the selected services. In use counts every heap pool (G1 Eden, Survivor '
                + 'and Old Gen); the limit is the pools that have one (max = -1 left out). '
                + levelsText(th.heapUsage, 100, '%'),
    unit='percentunit',
    targets=[target(jvm.worstHeapUsage([sel.service]), 'heap used')],
    thresholds=panels.thresholds.levels(th.heapUsage),
    decimals=1,
  ),

  jvmHeapUsage: heapGauges('JVM heap usage', width=8),

  heapUsageGauges: heapGauges('Heap usage gauges', width=24),

  // Only services with a database export jdbc metrics, so the service variable is not applied:
  // selecting config-server would leave these panels empty rather than narrower.
  databaseConnections: panels.stat(
    title='🗄️ Database connections (active)',
    description='JDBC connections in use right now, summed over the services with a database (auth-server, '
                + 'token-service, analytics-service).',
    unit='short',
    targets=[target(q.sum(q.selector('jdbc_connections_active')), 'active')],
    decimals=0,
  ),

  threadCount: panels.stat(
    title='🧵 Thread count (live)',
    description='Live JVM threads of the busiest instance among the selected services: a thread leak on one '
                + 'replica shows instead of being added to the others.',
    unit='short',
    targets=[target(q.max(selected('jvm_threads_live_threads')), 'live threads')],
    decimals=0,
  ),

  gcTimePerMinute: panels.stat(
    title='🗑️ GC time per minute',
    description='Time the selected services spent paused in garbage collection, per minute of wall time '
                + '(summed over services).',
    unit='s',
    targets=[target(gcPause.perMinute(), 'GC pause/min')],
    decimals=2,
  ),

  cpuLoad: panels.stat(
    title='⚡ CPU load (busiest host)',
    description='CPU usage (0–100%) of the busiest host running one of the selected services, as the JVM '
                + 'reports it (system_cpu_usage).',
    unit='percentunit',
    targets=[target(q.max(selected('system_cpu_usage')), 'CPU')],
    decimals=1,
  ),

  heapMemoryByService: panels.timeSeries(
    title='JVM heap memory by service',
    description='Heap bytes in use per instance (every heap pool added up), one line per service and '
                + 'instance, so a replica that fills its heap shows on its own.',
    unit='bytes',
    targets=[perInstance('jvm_memory_used_bytes', matchers=[q.eq('area', 'heap')])],
  ),

  databaseConnectionPool: panels.timeSeries(
    title='Database connection pool (active/idle/max)',
    description='JDBC connection pool per instance of the services with a database: connections in use '
                + '(active), open but unused (idle) and the pool limit (max). Active close to max means '
                + 'requests wait for a connection on that instance.',
    unit='short',
    targets=[
      perInstance('jdbc_connections_' + state, scope=[], legendSuffix=' ' + state)
      for state in ['active', 'idle', 'max']
    ],
    decimals=0,
  ),

  jvmThreads: panels.timeSeries(
    title='JVM threads (live/peak)',
    description='Live JVM threads per instance and the peak since that JVM started, one line per service '
                + 'and instance.',
    unit='short',
    targets=[perInstance('jvm_threads_' + kind + '_threads', legendSuffix=' ' + kind) for kind in ['live', 'peak']],
    decimals=0,
  ),

  gcActivity: panels.timeSeries(
    title='Garbage collection activity',
    description='Time each service spent paused in garbage collection per minute of wall time; spikes are '
                + 'stop-the-world pauses users feel as latency.',
    unit='s',
    targets=[target(gcPause.perMinute(['application']), '{{application}}')],
    decimals=3,
  ),

  classesLoaded: panels.timeSeries(
    title='JVM classes loaded',
    description='Classes currently loaded per instance. Steady growth after start-up can mean a class leak.',
    unit='short',
    targets=[perInstance('jvm_classes_loaded_classes')],
    decimals=0,
  ),

  loadAverage: panels.timeSeries(
    title='System load average (1m)',
    description='One-minute load average of the host of each selected service (Micrometer exports only the '
                + '1-minute average), with the host’s CPU cores for scale: load above the core count means '
                + 'work is queueing.',
    unit='short',
    targets=[
      target(q.max(selected('system_load_average_1m'), ['application']), '{{application}}'),
      target(q.max(selected('system_cpu_count')), 'CPU cores'),
    ],
    decimals=2,
  ),

  serviceStatus: panels.table(
    title='Service status overview',
    description='One row per scrape target of the selected services: whether Prometheus reaches it (UP/DOWN), '
                + 'how long it has run, how often it restarted in the dashboard time range (a new process '
                + 'start time), its heap usage (every heap pool over the limit) and its live threads. '
                + 'Sorted with DOWN first.',
    unit='short',
    targets=[
      target(q.sum(up, ['job', 'instance'])),
      target(q.sum(selected('process_uptime_seconds'), ['job', 'instance'])),
      target(q.sum('changes(' + selected('process_start_time_seconds') + '[$__range])', ['job', 'instance'])),
      target(jvm.heapUsage([sel.service], ['job', 'instance'])),
      target(q.sum(selected('jvm_threads_live_threads'), ['job', 'instance'])),
    ],
    columns={
      job: 'Service',
      instance: 'Instance',
      'Value #A': 'Status',
      'Value #B': 'Uptime',
      'Value #C': 'Restarts',
      'Value #D': 'Heap used',
      'Value #E': 'Live threads',
    },
    sortBy='Status',
    width=24,
    sortDesc=false,
    columnProperties={
      Status: panels.column.upDown,
      Uptime: panels.column.unit('s') + panels.column.decimals(0),
      Restarts: panels.column.decimals(0),
      'Heap used': panels.column.unit('percentunit') + panels.column.decimals(1),
      'Live threads': panels.column.decimals(0),
    },
  ),
})
