// MicrosoftGraph: module placeholder until its issue lands.
