package io.renderlab.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.renderlab.core.ConfigurationException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The AWS SDK is optional: with it hidden from the class loader, folder storage still works and S3
 * storage fails with a ConfigurationException naming the artifact to add.
 */
class WithoutAwsSdkTest {

  /**
   * Loads this module, core and their other dependencies afresh, and refuses every AWS SDK class.
   */
  static final class NoAwsSdk extends URLClassLoader {
    NoAwsSdk(URL[] urls) {
      super(urls, ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("software.amazon.awssdk.")) {
        throw new ClassNotFoundException(name + " (hidden by the test)");
      }
      return super.loadClass(name, resolve);
    }
  }

  static NoAwsSdk loader() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    return new NoAwsSdk(urls.toArray(URL[]::new));
  }

  /** Calls a static method in the isolated loader and returns what it threw (the real cause). */
  static Throwable thrownBy(
      ClassLoader loader, String type, String method, Class<?>[] params, Object... args)
      throws Exception {
    Method m = Class.forName(type, true, loader).getMethod(method, params);
    try {
      m.invoke(null, args);
      return null;
    } catch (InvocationTargetException e) {
      return e.getCause();
    }
  }

  @Test
  void s3UrlWithoutTheSdkNamesTheArtifactToAdd() throws Exception {
    try (NoAwsSdk loader = loader()) {
      Throwable t =
          thrownBy(
              loader,
              ImageStores.class.getName(),
              "fromUrl",
              new Class<?>[] {String.class},
              "s3://bucket?endpoint=http://127.0.0.1:9&region=us-east-1");

      // Loaded by the isolated loader, so compared by name rather than by class.
      assertThat(t).isNotNull();
      assertThat(t.getClass().getName()).isEqualTo(ConfigurationException.class.getName());
      assertThat(t.getMessage()).contains("software.amazon.awssdk:s3").contains("renderlab-bom");
    }
  }

  @Test
  void folderStorageWorksWithoutTheSdk() throws Exception {
    Path folder = Files.createTempDirectory("no-aws");
    try (NoAwsSdk loader = loader()) {
      Throwable t =
          thrownBy(
              loader,
              ImageStores.class.getName(),
              "fromUrl",
              new Class<?>[] {String.class},
              folder.toUri().toString());

      assertThat(t).isNull();
    } finally {
      Files.deleteIfExists(folder);
    }
  }

  @Test
  void theSdkIsSeenWhenItIsThere() {
    // The nearest good input: with the SDK on the class path the check passes.
    io.renderlab.storage.internal.AwsSdk.require();
    assertThat(S3ImageStore.builder()).isNotNull();
  }
}
