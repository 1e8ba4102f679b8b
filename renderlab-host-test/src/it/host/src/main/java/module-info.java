/** A host application that uses the RenderLab modules from the module path. */
module com.example.host {
  requires java.desktop;
  requires io.renderlab.storage;
  requires io.renderlab.thumbnails;
  requires io.renderlab.replicate;
}
