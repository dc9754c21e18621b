// ConnectWise: module placeholder until its issue lands.
