package org.circuitbench.model.gpu;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;

import java.nio.file.Path;

/**
 * Run in a fresh JVM by {@link CudaBuildDjlTest}: sets DJL's variables as system properties from
 * main(), as {@link GpuSetup#applyAtStartup} does, then loads PyTorch and prints where from.
 * Arguments: the natives folder, its flavor, and an engine cache folder.
 */
public final class DjlNativesChild {
    private DjlNativesChild() {
    }

    public static void main(String[] args) {
        new CudaBuild(CudaBuild.bundledPytorchVersion(), args[1], "linux-x86_64", Path.of(args[0])).systemProperties()
                .forEach(System::setProperty);
        System.setProperty("ENGINE_CACHE_DIR", args[2]);
        Engine engine = Engine.getEngine("PyTorch");
        System.out.println("libtorch=" + LibUtils.getLibtorchPath());
        System.out.println("version=" + engine.getVersion());
    }
}
