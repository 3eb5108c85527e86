package org.circuitbench.cli;

import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.gpu.NativeSelection.Selection;
import org.circuitbench.model.gpu.NativeSelection.Want;
import org.circuitbench.util.StartupLog;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ./circuitbench}: with no command it opens the app; with one it runs headless, prints one
 * JSON object on stdout, logs on stderr, and exits 0 on success and 1 (2 for usage) on error with
 * a one-line message that says what to fix.
 */
public final class Main {
    static final String USAGE = """
            Circuit Workbench: find attention-head circuits in GPT-2 by mean ablation.

            Usage: ./circuitbench                      open the app
                   ./circuitbench FILE.cbsession.json  open the app on a session
                   ./circuitbench <command> [options]  run headless; prints JSON on stdout

            Commands:
              score       --model M --task FILE [--circuit SPEC]
              prune       --model M --task FILE --method METHOD --threshold T
                          [--start SPEC] [--seed N] [--iterations N] [--progress]
                          [--export json|paper|python|csv --out FILE]
              importance  --model M --task FILE --circuit SPEC [--progress]
              score       --model M --task FILE --edges ESPEC          (edge circuits)
              prune       --model M --task FILE --level edges --threshold T [--edges ESPEC]
                          [--method greedy|attribution] [--export json|dot|python --out FILE]
              attribute   --model M --task FILE [--edges ESPEC | --circuit SPEC]
              explain     --model M --task FILE [--circuit SPEC | --edges ESPEC]
                          [--measures dla,lens,attention,ov,heads] [--ov as-run|layer1]
                          [--progress]   (what each head does: docs/explain.md)
              reproduce   --model gpt2 [--progress]   check GPT-2 small against published numbers
              task-library list                        the field's canonical tasks (IOI, greater-than, ...)
              task-library make ID [--seed N] [--count N] --out FILE   write one as a task file
              compare     --model M --task FILE --circuits A B ... [--names a,b,...]
                          [--tasks FILE ...]   (cross-task matrix: every circuit on every task)
              bench-graph --model M --task FILE             (the Graph view's frame time; needs a display)
              bench       --model M --task FILE [--method backward --threshold 3] [--sample N]
                          [--parts prune,importance,toggle,memory,startup,edges]
              bench       --parts startup-process [--model M --task FILE | --session FILE]
                          [--launchers launcher,app-image] [--rounds 5]   (start-up of the real
                          launchers, each start a process; needs a display: docs/performance.md)
              make-model  --layers 12 --heads 12 --d-model 768 --seed N OUT
              download    NAME [--revision main]   (from the Hugging Face hub into its cache)
              models      list the GPT-2 models in the local Hugging Face cache
              gpu         [status|enable|disable|remove]   the GPU and PyTorch's CUDA build:
                          enable downloads it (resumable) and uses it from the next command on
              help        this text

            M is a model folder (config.json, model.safetensors, tokenizer.json) or a cached hub
            name such as gpt2. SPEC is all, none, or heads such as 0.1,4.4,9.1 (L.mlp for an MLP),
            or @file. Methods: forward, backward, forward-backward, backward-forward, random.
            ESPEC is all, none, induced:SPEC, edge names such as 4.4->9.1.k, or @file.
            Common options: --device auto|cpu|gpu[:n] (default auto).
            """;
    /** The commands that load a model, and so PyTorch: they pick its natives from --device. */
    private static final Set<String> MODEL_COMMANDS = Set.of("score", "prune", "importance", "compare", "attribute", "faithfulness", "bench", "bench-graph", "explain", "reproduce");

    private Main() {
    }

    /** Whether {@code command} loads a model (and so PyTorch, whose natives must be chosen first). */
    static boolean loadsAModel(String command) {
        return MODEL_COMMANDS.contains(command);
    }

    public static void main(String[] argv) {
        StartupLog.mark(StartupLog.Milestone.JVM);
        Locale.setDefault(Locale.ROOT);
        if (argv.length == 0 || opensSession(argv)) {
            launchApp(argv); // the app chooses PyTorch's natives itself, in the background, while its window starts
            return;
        }
        chooseNatives(argv, System.err);
        System.exit(run(argv, System.out, System.err));
    }

    /** {@code ./circuitbench my.cbsession.json}: a session file (what a file manager passes) opens in the app. */
    static boolean opensSession(String[] argv) {
        return argv.length == 1 && argv[0].toLowerCase(Locale.ROOT).endsWith(".cbsession.json");
    }

    /** Runs a command; returns the exit code. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        String cmd = argv[0];
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        try {
            switch (cmd) {
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "gui", "app" -> {
                    launchApp(rest);
                    return 0;
                }
                case "bench-graph" -> { // the Graph view's frame time: needs the toolkit and a display
                    Class.forName("org.circuitbench.ui.graph.GraphFrameBench").getMethod("main", String[].class).invoke(null, (Object) rest);
                    return 0;
                }
                default -> {
                    return Commands.run(cmd, rest, out, err, org.circuitbench.ablation.EvaluatorFactory.standard());
                }
            }
        } catch (Args.UsageException e) {
            err.println("error: " + e.getMessage() + " Run ./circuitbench help for usage.");
            return 2;
        } catch (Exception e) {
            err.println("error: " + oneLine(e));
            if (System.getenv("CIRCUITBENCH_DEBUG") != null) e.printStackTrace(err);
            return 1;
        } catch (OutOfMemoryError e) {
            err.println(String.format(Locale.ROOT, "error: out of memory (%s; Java may use at most %.1f GB). Use a smaller model or "
                    + "task, or give Java more memory, e.g. CIRCUITBENCH_JAVA_OPTS=-Xmx16g ./circuitbench %s …",
                    e.getMessage() == null ? "heap" : e.getMessage(), Runtime.getRuntime().maxMemory() / 1e9, cmd));
            return 1;
        } catch (StackOverflowError e) {
            err.println("error: the input nests too deeply to process (stack overflow in " + cmd + "). Simplify it, "
                    + "or run with CIRCUITBENCH_DEBUG=1 and report where.");
            if (System.getenv("CIRCUITBENCH_DEBUG") != null) e.printStackTrace(err);
            return 1;
        } catch (LinkageError e) { // native libraries: a CUDA or PyTorch build that does not fit this machine
            err.println("error: a native library could not be loaded (" + oneLine(e) + "). Try --device cpu; see README, GPU.");
            if (System.getenv("CIRCUITBENCH_DEBUG") != null) e.printStackTrace(err);
            return 1;
        }
    }

    /**
     * Picks PyTorch's natives (the bundled CPU build or the downloaded CUDA build) before anything
     * loads them: DJL decides once per process. A command follows its --device. The app follows the
     * remembered choice, and applies it itself (CircuitBenchApp), in the background.
     */
    static void chooseNatives(String[] argv, PrintStream err) {
        boolean app = argv.length == 0 || opensSession(argv) || argv[0].equals("gui") || argv[0].equals("app");
        if (app || !loadsAModel(argv[0])) return; // the app chooses them itself, off its start's critical path
        Want want = Want.of(deviceOption(argv));
        try {
            Selection s = GpuSetup.applyAtStartup(GpuSetup.fromEnvironment(), want);
            if (want == Want.AUTO && !s.cuda() && !s.message().isEmpty()) err.println("note: " + s.message());
        } catch (RuntimeException e) {
            err.println("warning: the GPU set-up could not be read (" + oneLine(e) + "); PyTorch's bundled CPU build is used.");
        }
    }

    /** The last --device value, as Args reads it; null if none. */
    static String deviceOption(String[] argv) {
        String v = null;
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--device") && i + 1 < argv.length) v = argv[++i];
            else if (argv[i].startsWith("--device=")) v = argv[i].substring("--device=".length());
        }
        return v;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        return m.replace('\n', ' ');
    }

    private static void launchApp(String[] argv) {
        try {
            Class.forName("org.circuitbench.ui.app.CircuitBenchApp").getMethod("start", String[].class)
                    .invoke(null, (Object) argv);
        } catch (ClassNotFoundException e) {
            System.out.print(USAGE);
        } catch (ReflectiveOperationException e) {
            String why = oneLine(e.getCause() == null ? e : e.getCause());
            String hint = why.contains("GTK") ? " On Linux the window needs GTK 3 (apt-get install libgtk-3-0)."
                    : why.toLowerCase(Locale.ROOT).contains("display") ? " There is no display; run it in a desktop session or under xvfb-run."
                    : "";
            System.err.println("error: the app could not start: " + why + (why.endsWith(".") ? "" : ".") + hint + " The headless commands work without a window: ./circuitbench help");
            System.exit(1);
        }
    }
}
