/**
 * A host that uses only the Replicate client. It requires no Jackson module: the client's API
 * holds no Jackson type, so none need be readable here.
 */
module com.example.replicateonly {
  requires io.renderlab.replicate;
}
