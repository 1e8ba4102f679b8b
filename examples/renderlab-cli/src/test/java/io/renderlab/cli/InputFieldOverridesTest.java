package io.renderlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.renderlab.core.ConfigurationException;
import io.renderlab.pipeline.InputFields;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputFieldOverridesTest {
  @Test
  void entriesNameTheirRolesAndTheRestKeepTheirDefaults() {
    Map<String, InputFields> parsed =
        InputFieldOverrides.parse(
            "acme/painter=image:init_image,mask:- ; acme/filler=mask:mask_image;");

    assertThat(parsed)
        .containsEntry("acme/painter", new InputFields("prompt", "image_input", "init_image", "-"))
        .containsEntry(
            "acme/filler", new InputFields("prompt", "image_input", "image", "mask_image"))
        .hasSize(2);
    assertThat(InputFieldOverrides.parse(null)).isEmpty();
  }

  @Test
  void anEntryThatCannotBeReadIsRefusedNamingIt() {
    assertThatThrownBy(() -> InputFieldOverrides.parse("acme/painter=colour:red"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("RENDERLAB_INPUT_FIELDS")
        .hasMessageContaining("acme/painter=colour:red")
        .hasMessageContaining("prompt, references, image and mask");
    assertThatThrownBy(() -> InputFieldOverrides.parse("acme/painter"))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> InputFieldOverrides.parse("acme/painter=image:in valid"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("not a field name");
    assertThatThrownBy(() -> InputFieldOverrides.parse("acme/painter=prompt:-"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("prompt");
  }
}
